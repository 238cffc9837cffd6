// A small SMTP server on loopback for the tests and the bench (issue 20):
// it speaks enough of RFC 5321 for libcurl (EHLO/HELO, MAIL, RCPT, DATA,
// RSET, NOOP, QUIT; connections reused for many messages) and keeps what it
// received. Options: reject (a Set of addresses answered 550 at RCPT: a hard
// bounce), delayMs (before answering each message's end of DATA, so a test
// can kill the sender mid-send), tempfail (a Set answered 451 at RCPT).
// As a program (`node smtp_sink.mjs PORT COUNTFILE`) it counts messages
// into COUNTFILE every second and keeps no bodies (the bench).
import net from 'node:net';
import { writeFileSync } from 'node:fs';

export class SmtpSink {
  constructor({ reject = new Set(), tempfail = new Set(), delayMs = 0, keep = true } = {}) {
    Object.assign(this, { reject, tempfail, delayMs, keep });
    this.messages = [];
    this.count = 0;
    this.server = net.createServer((sock) => this.session(sock));
  }

  listen(port = 0) {
    return new Promise((resolve) => this.server.listen(port, '127.0.0.1', () => {
      this.port = this.server.address().port;
      this.url = `smtp://127.0.0.1:${this.port}`;
      resolve(this);
    }));
  }

  close() { return new Promise((resolve) => { this.server.close(() => resolve()); for (const s of this.sockets || []) s.destroy(); }); }

  session(sock) {
    this.connections = (this.connections || 0) + 1;
    (this.sockets ||= new Set()).add(sock);
    sock.on('close', () => this.sockets.delete(sock));
    sock.on('error', () => {});
    let buf = '';
    let inData = false;
    let from = null;
    let to = [];
    let lines = [];
    const reply = (s) => { if (!sock.destroyed) sock.write(s + '\r\n'); };
    reply('220 sink ESMTP');
    sock.on('data', (chunk) => {
      buf += chunk.toString('latin1');
      let i;
      while ((i = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            const data = Buffer.from(lines.join('\r\n') + '\r\n', 'latin1').toString('utf8');
            const msg = { from, to, data };
            lines = [];
            const done = () => {
              this.count++;
              if (this.keep) this.messages.push(msg);
              reply('250 OK queued');
            };
            if (this.delayMs) setTimeout(done, this.delayMs); else done();
          } else {
            lines.push(line.startsWith('..') ? line.slice(1) : line);
          }
          continue;
        }
        const cmd = line.slice(0, 4).toUpperCase();
        if (cmd === 'EHLO') { reply('250-sink'); reply('250 8BITMIME'); }
        else if (cmd === 'HELO') reply('250 sink');
        else if (cmd === 'MAIL') { from = line.replace(/^MAIL FROM:\s*<?([^>]*)>?.*$/i, '$1'); to = []; reply('250 OK'); }
        else if (cmd === 'RCPT') {
          const addr = line.replace(/^RCPT TO:\s*<?([^>]*)>?.*$/i, '$1');
          if (this.reject.has(addr)) reply('550 5.1.1 no such user');
          else if (this.tempfail.has(addr)) reply('451 4.3.0 try again later');
          else { to.push(addr); reply('250 OK'); }
        } else if (cmd === 'DATA') { inData = true; reply('354 go ahead'); }
        else if (cmd === 'RSET') { from = null; to = []; reply('250 OK'); }
        else if (cmd === 'NOOP') reply('250 OK');
        else if (cmd === 'QUIT') { reply('221 bye'); sock.end(); }
        else reply('502 unknown command');
      }
    });
  }
}

/** Decodes a received message: headers (lower-case names, unfolded) and the base64 HTML body. */
export function parseMessage(data) {
  const [head, ...rest] = data.split('\r\n\r\n');
  const headers = {};
  for (const line of head.replace(/\r\n[ \t]/g, ' ').split('\r\n')) {
    const k = line.indexOf(':');
    headers[line.slice(0, k).toLowerCase()] = line.slice(k + 1).trim();
  }
  const subject = headers.subject.replace(/=\?UTF-8\?B\?([^?]*)\?=\s*/g, (m, b) => Buffer.from(b, 'base64').toString('utf8'));
  const body = Buffer.from(rest.join('\r\n\r\n').replace(/\s+/g, ''), 'base64').toString('utf8');
  return { headers, subject, body };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const [port, countFile] = process.argv.slice(2);
  const sink = new SmtpSink({ keep: false });
  await sink.listen(Number(port));
  setInterval(() => writeFileSync(countFile, `${sink.count} ${sink.connections || 0}`), 500);
}
