// charts: loads Chart.js (web/node_modules/chart.js, pinned in
// web/package-lock.json, embedded at /vendor/chart.js) on first use, and
// draws the dashboard's charts with the app's colours and fonts. Every chart
// is paired with a list of links carrying the same numbers, so the data is
// readable without the canvas and reachable by keyboard.
let loading = null;

export function loadChart() {
  if (window.Chart) return Promise.resolve(window.Chart);
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = '/vendor/chart.js';
      s.onload = () => {
        const C = window.Chart;
        C.defaults.font.family = getComputedStyle(document.body).fontFamily;
        C.defaults.font.size = 12;
        C.defaults.color = '#475569';
        C.defaults.animation = false;
        C.defaults.maintainAspectRatio = false;
        resolve(C);
      };
      s.onerror = () => { loading = null; reject(new Error('chart.js failed to load')); };
      document.head.append(s);
    });
  }
  return loading;
}

export const PALETTE = ['#1d4ed8', '#0891b2', '#059669', '#d97706', '#dc2626', '#7c3aed', '#db2777', '#65a30d', '#0f766e', '#9333ea'];

/**
 * Draws a chart into canvas. kind: bar | hbar | doughnut. data: [{label, value}].
 * onPick(index) is called when a bar or slice is clicked.
 */
export async function drawChart(canvas, kind, data, { onPick, colors } = {}) {
  const Chart = await loadChart();
  if (kind === 'pyramid') return drawPyramid(Chart, canvas, data, { onPick, colors });
  const type = kind === 'hbar' ? 'bar' : kind;
  const bg = data.map((_, i) => (colors ? colors[i % colors.length] : PALETTE[i % PALETTE.length]));
  const chart = new Chart(canvas, {
    type,
    data: { labels: data.map((d) => d.label), datasets: [{ data: data.map((d) => d.value), backgroundColor: bg, borderWidth: kind === 'doughnut' ? 2 : 0, borderColor: '#fff', borderRadius: kind === 'doughnut' ? 0 : 4, maxBarThickness: 36 }] },
    options: {
      indexAxis: kind === 'hbar' ? 'y' : 'x',
      responsive: true,
      plugins: { legend: { display: kind === 'doughnut', position: 'right', labels: { boxWidth: 12, boxHeight: 12 } }, tooltip: { enabled: true } },
      scales: kind === 'doughnut' ? {} : {
        x: { grid: { display: kind === 'hbar' }, ticks: { precision: 0 } },
        y: { grid: { display: kind !== 'hbar' }, ticks: { precision: 0 }, beginAtZero: true },
      },
      cutout: kind === 'doughnut' ? '62%' : undefined,
      onClick: (ev, els) => { if (onPick && els.length) onPick(els[0].index); },
      onHover: (ev, els) => { ev.native.target.style.cursor = els.length && onPick ? 'pointer' : 'default'; },
    },
  });
  return chart;
}

/** The customer pyramid: centred horizontal bars, top tier first, width = count. */
function drawPyramid(Chart, canvas, data, { onPick, colors }) {
  const max = Math.max(1, ...data.map((d) => d.value));
  return new Chart(canvas, {
    type: 'bar',
    data: { labels: data.map((d) => d.label), datasets: [{
      data: data.map((d) => [-Math.max(d.value, max * 0.02) / 2, Math.max(d.value, max * 0.02) / 2]),
      backgroundColor: data.map((_, i) => (colors || PALETTE)[i % (colors || PALETTE).length]),
      borderSkipped: false, borderRadius: 3, barPercentage: 0.96, categoryPercentage: 0.96,
    }] },
    options: {
      indexAxis: 'y', responsive: true,
      plugins: { legend: { display: false }, tooltip: { callbacks: { label: (c) => ' ' + data[c.dataIndex].text } } },
      scales: { x: { display: false, min: -max / 2, max: max / 2 }, y: { grid: { display: false }, border: { display: false } } },
      onClick: (ev, els) => { if (onPick && els.length) onPick(els[0].index); },
      onHover: (ev, els) => { ev.native.target.style.cursor = els.length && onPick ? 'pointer' : 'default'; },
    },
  });
}

/**
 * Two series on shared labels (issue 16, model validation): kind 'bar'
 * (grouped bars) or 'line'. series: [{label, values, color, dash}].
 * markAt (optional): the index of a vertical marker label, e.g. the end of
 * the calibration period.
 */
export async function drawSeries(canvas, kind, labels, series, { xTitle, yTitle } = {}) {
  const Chart = await loadChart();
  return new Chart(canvas, {
    type: kind,
    data: { labels, datasets: series.map((s) => ({
      label: s.label, data: s.values, backgroundColor: s.color, borderColor: s.color,
      borderWidth: kind === 'line' ? 2 : 0, borderDash: s.dash || [], pointRadius: 0, borderRadius: 3, maxBarThickness: 28,
    })) },
    options: {
      responsive: true,
      plugins: { legend: { display: true, position: 'bottom', labels: { boxWidth: 12, boxHeight: 12 } }, tooltip: { enabled: true, mode: 'index', intersect: false } },
      scales: {
        x: { grid: { display: false }, title: { display: !!xTitle, text: xTitle }, ticks: { autoSkip: true, maxTicksLimit: 14 } },
        y: { beginAtZero: true, title: { display: !!yTitle, text: yTitle } },
      },
    },
  });
}
