/* demo: the demo dataset generator (see demo.h). */
#include "domain/demo.h"
#include "api/api.h"
#include "db/writer.h"
#include "domain/vocab.h"
#include "http/auth.h"
#include "lib/log.h"
#include "lib/timeutil.h"
#include "records/registry.h"
#include "records/write.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH 500
#define YEARS 3

static const char *const surnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "高", "罗", "欧阳", "司马"};
static const char *const surnames_py[] = {"wang", "li", "zhang", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou", "xu", "sun", "ma", "zhu", "hu", "guo", "he", "lin", "gao", "luo", "ouyang", "sima"};
static const char *const given[] = {"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平", "刚", "桂英", "伟明", "建华", "晓东", "海燕", "志强", "丹"};
static const char *const given_py[] = {"wei", "fang", "na", "min", "jing", "li", "qiang", "lei", "jun", "yang", "yong", "yan", "jie", "juan", "tao", "ming", "chao", "xiuying", "xia", "ping", "gang", "guiying", "weiming", "jianhua", "xiaodong", "haiyan", "zhiqiang", "dan"};
static const char *const first_en[] = {"James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "David", "Elizabeth", "Sarah", "Thomas", "Emma", "Oliver", "Sophie", "Daniel", "Chloe", "Lucas"};
static const char *const last_en[] = {"Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Taylor", "Clarke", "Walker", "Wright", "Green", "Hall", "O'Brien", "Müller"};
/* Every text of the demo data is in one language, the record's own (a
 * Chinese customer's city, industry, subjects and responses in Chinese; an
 * English one's in English): mixed names such as "New York博远机械有限公司"
 * or "生日祝福 Birthday greeting" read as mistakes (issue 15). The arrays of
 * the two languages run in parallel, so the random draws — and with them
 * the data of a seed — are the same as before. */
static const struct { const char *zh, *en, *country_zh, *country_en; } cities[] = {
    {"上海", "Shanghai", "中国", "China"}, {"北京", "Beijing", "中国", "China"}, {"深圳", "Shenzhen", "中国", "China"},
    {"广州", "Guangzhou", "中国", "China"}, {"杭州", "Hangzhou", "中国", "China"}, {"成都", "Chengdu", "中国", "China"},
    {"南京", "Nanjing", "中国", "China"}, {"武汉", "Wuhan", "中国", "China"}, {"西安", "Xi'an", "中国", "China"},
    {"苏州", "Suzhou", "中国", "China"}, {"香港", "Hong Kong", "中国", "China"}, {"新加坡", "Singapore", "新加坡", "Singapore"},
    {"伦敦", "London", "英国", "United Kingdom"}, {"曼彻斯特", "Manchester", "英国", "United Kingdom"},
    {"纽约", "New York", "美国", "United States"},
};
static const char *const org_zh_core[] = {"华信", "东方", "恒通", "瑞丰", "鼎盛", "新世纪", "长江", "金桥", "博远", "天成", "宏达", "星河"};
static const char *const org_zh_trade[] = {"科技", "贸易", "电子", "物流", "医药", "食品", "建材", "文化传媒", "咨询", "机械"};
static const char *const org_en_core[] = {"Northwind", "Blue Harbor", "Summit", "Evergreen", "Redwood", "Crescent", "Ironbridge", "Silverline", "Oakmont", "Brightwater"};
static const char *const org_en_trade[] = {"Trading", "Logistics", "Systems", "Foods", "Pharma", "Media", "Engineering", "Retail", "Consulting", "Electronics"};
static const char *const industries_zh[] = {"制造业", "零售", "金融", "医疗", "教育", "物流", "信息技术", "餐饮", "房地产"};
static const char *const industries_en[] = {"Manufacturing", "Retail", "Finance", "Healthcare", "Education", "Logistics", "IT",
                                            "Food service", "Real estate"};
static const char *const subjects_zh[] = {"季度回访", "新品介绍", "生日祝福", "投诉处理", "报价沟通", "年终礼品", "投资讲座邀请",
                                          "满意度调查", "节日问候", "到期提醒"};
static const char *const subjects_en[] = {"Quarterly follow-up", "New product introduction", "Birthday greeting", "Complaint handling",
                                          "Quote discussion", "Year-end gift", "Seminar invitation", "Satisfaction survey",
                                          "Holiday greeting", "Maturity reminder"};
static const char *const responses_zh[] = {"很满意", "有兴趣，需要报价", "暂无需求", "要求回电", "不满意交期", "已转介绍朋友", NULL};
static const char *const responses_en[] = {"Very satisfied", "Interested, wants a quote", "No need now", "Asked for a call back",
                                           "Unhappy with the delivery time", "Referred a friend", NULL};
/* The catalogue of a Chinese company, in Chinese. */
static const struct { const char *sku, *name; long price; } products[] = {
    {"RP-CLOUD-S", "云存储套餐 标准版", 29900}, {"RP-CLOUD-P", "云存储套餐 专业版", 89900},
    {"RP-ERP", "企业资源计划软件", 1280000}, {"RP-POS", "收银终端", 359900},
    {"RP-TEA-1", "西湖龙井 250克", 48800}, {"RP-TEA-2", "普洱茶饼", 26800},
    {"RP-WINE", "干红葡萄酒", 19900}, {"RP-GIFT", "中秋礼盒", 68800},
    {"RP-SVC-1", "年度维护服务", 500000}, {"RP-TRAIN", "培训课程", 150000},
    {"RP-LAPTOP", "笔记本电脑", 699900}, {"RP-PHONE", "智能手机", 459900},
};
/* Whether a record is a Chinese one (its name is written in Chinese). */
static bool chinese(const json_t *rec)
{
    const char *n = json_string_value(json_object_get(rec, "name"));
    return n && (unsigned char)n[0] >= 0x80;
}

/* xorshift64*: small, fast, and the same sequence on every machine. */
static uint64_t g_rng;
static uint64_t rnd(void)
{
    g_rng ^= g_rng >> 12;
    g_rng ^= g_rng << 25;
    g_rng ^= g_rng >> 27;
    return g_rng * 2685821657736338717ULL;
}
static double unif(void) { return (double)(rnd() >> 11) / 9007199254740992.0; }
static long pick(long n) { return (long)(unif() * (double)n); }
#define PICK(a) (a)[pick((long)(sizeof(a) / sizeof((a)[0])))]

static double gamma_draw(double shape, double scale)
{
    /* Marsaglia–Tsang, with the shape < 1 boost. */
    if (shape < 1) return gamma_draw(shape + 1, scale) * pow(unif() + 1e-300, 1.0 / shape);
    double d = shape - 1.0 / 3, c = 1 / sqrt(9 * d);
    for (;;) {
        double x, v;
        do {
            double u1 = unif() + 1e-300, u2 = unif();
            x = sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
            v = 1 + c * x;
        } while (v <= 0);
        v = v * v * v;
        double u = unif();
        if (u < 1 - 0.0331 * x * x * x * x || log(u) < 0.5 * x * x + d * (1 - v + log(v))) return d * v * scale;
    }
}
static double beta_draw(double a, double b)
{
    double x = gamma_draw(a, 1), y = gamma_draw(b, 1);
    return x / (x + y);
}

struct gen {
    long total, done;
    int64_t now, start;
    int64_t user_ids[8];
    int nusers;
    int64_t product_ids[sizeof products / sizeof products[0]];
    int64_t competitors[16];
    int ncompetitors;
    int64_t last_org, last_person;
    struct demo_stats st;
};

static int exec_ok(db_stmt *s)
{
    int rc = db_step(s);
    db_done(s);
    return rc == DB_DONE ? 0 : -1;
}

/* Every demo record is written through the write path as the system
 * actor "demo", with the generator's own creation time: the rules, hooks
 * (search index) and events apply as to any other writer. The demo is not
 * audited row by row (a generated history would flood every timeline). */
static int64_t demo_create(db *w, const struct resource *r, const json_t *rec, const char *created)
{
    struct writer wr = writer_system("demo");
    struct write_opts o = {.created_at = created, .batch_audited = true};
    struct verr e = {0};
    int64_t id = 0;
    if (record_create(w, &wr, r, rec, &o, &id, NULL, &e)) {
        log_error("demo: a generated %s was refused: %s (%s)", r->entity, e.message, e.field);
        return -1;
    }
    return id;
}

static int64_t insert_party(db *w, struct gen *g, json_t *rec)
{
    char created[21];
    time_format(g->start + (int64_t)(unif() * (double)(g->now - g->start)), created);
    int64_t id = demo_create(w, &party_resource, rec, created);
    if (id > 0) g->st.parties++;
    return id;
}

static json_t *make_person(struct gen *g, char *pyname, size_t cap)
{
    json_t *rec = json_object();
    char name[128];
    int zh = unif() < 0.65;
    if (zh) {
        long si = pick(sizeof surnames / sizeof surnames[0]), gi = pick(sizeof given / sizeof given[0]);
        snprintf(name, sizeof name, "%s%s", surnames[si], given[gi]);
        snprintf(pyname, cap, "%s.%s", given_py[gi], surnames_py[si]);
    } else {
        const char *f = PICK(first_en), *l = PICK(last_en);
        snprintf(name, sizeof name, "%s %s", f, l);
        snprintf(pyname, cap, "%s.%s", f, l);
        for (char *p = pyname; *p; p++) if (*p == '\'' || (unsigned char)*p >= 0x80) *p = 'x';
    }
    json_object_set_new(rec, "kind", json_string("person"));
    json_object_set_new(rec, "name", json_string(name));
    char phone[96];
    if (zh) snprintf(phone, sizeof phone, "+86 1%02ld %04ld %04ld", 30 + pick(60), pick(10000), pick(10000));
    else snprintf(phone, sizeof phone, "+44 7%03ld %06ld", pick(1000), pick(1000000));
    json_object_set_new(rec, "phones", json_pack("[s]", phone));
    char email[160];
    for (char *p = pyname; *p; p++) if (*p >= 'A' && *p <= 'Z') *p = (char)(*p + 32);
    snprintf(email, sizeof email, "%s%ld@%s", pyname, pick(1000), unif() < 0.5 ? "example.com" : "example.cn");
    json_object_set_new(rec, "emails", json_pack("[s]", email));
    int c = (int)pick(sizeof cities / sizeof cities[0]);
    json_object_set_new(rec, "city", json_string(zh ? cities[c].zh : cities[c].en));
    json_object_set_new(rec, "country", json_string(zh ? cities[c].country_zh : cities[c].country_en));
    char bday[11];
    date_format((int64_t)days_from_civil(1950 + (int)pick(50), 1 + (unsigned)pick(12), 1 + (unsigned)pick(28)) * 86400, bday);
    json_object_set_new(rec, "birthday", json_string(bday));
    json_object_set_new(rec, "communication", json_pack("{s:[s], s:s}", "channels", zh ? "wechat" : "email", "language", zh ? "zh-CN" : "en"));
    return rec;
}

static json_t *make_org(void)
{
    json_t *rec = json_object();
    char name[160];
    int c = (int)pick(sizeof cities / sizeof cities[0]);
    bool zh = unif() < 0.6;
    if (zh) snprintf(name, sizeof name, "%s%s%s有限公司", cities[c].zh, PICK(org_zh_core), PICK(org_zh_trade));
    else snprintf(name, sizeof name, "%s %s Ltd", PICK(org_en_core), PICK(org_en_trade));
    json_object_set_new(rec, "kind", json_string("organization"));
    json_object_set_new(rec, "name", json_string(name));
    size_t ind = pick(sizeof industries_zh / sizeof industries_zh[0]);
    json_object_set_new(rec, "industry", json_string(zh ? industries_zh[ind] : industries_en[ind]));
    json_object_set_new(rec, "city", json_string(zh ? cities[c].zh : cities[c].en));
    json_object_set_new(rec, "country", json_string(zh ? cities[c].country_zh : cities[c].country_en));
    char phone[96];
    snprintf(phone, sizeof phone, "+86 21 %04ld %04ld", pick(10000), pick(10000));
    json_object_set_new(rec, "phones", json_pack("[s]", phone));
    json_object_set_new(rec, "relationship_to_company", json_string("b2b"));
    json_object_set_new(rec, "customer_type", json_string(unif() < 0.2 ? "dealer" : "enterprise"));
    return rec;
}

static void classify(json_t *rec, const char *role)
{
    json_object_set_new(rec, "roles", json_pack("[s]", role));
    json_object_set_new(rec, "source", json_string(info_sources[pick(10)]));
    if (strcmp(role, "customer") && strcmp(role, "prospect")) return;
    json_object_set_new(rec, "importance", json_string(importance_levels[pick(3)]));
    json_object_set_new(rec, "value_class", json_string(value_classes[pick(4)]));
    json_object_set_new(rec, "relationship_level", json_string(relationship_levels[pick(5)]));
    if (!json_object_get(rec, "relationship_to_company")) json_object_set_new(rec, "relationship_to_company", json_string("consumer"));
    if (!json_object_get(rec, "customer_type")) json_object_set_new(rec, "customer_type", json_string("retail"));
    bool zh = chinese(rec);
    if (unif() < 0.3) json_object_set_new(rec, "tags", json_pack("[s]", unif() < 0.5 ? (zh ? "2025展会" : "expo-2025") : (zh ? "老客户推荐" : "referred by a customer")));
    if (unif() < 0.2)
        json_object_set_new(rec, "needs", json_string(zh ? "希望缩短交货期，关注售后服务" : "Wants shorter delivery times and good after-sales service"));
}

static int add_link(db *w, struct gen *g, int64_t from, int64_t to, const char *kind, const char *role)
{
    char now[21];
    time_format(g->now, now);
    json_t *rec = json_pack("{s:I, s:I, s:s}", "from_id", (json_int_t)from, "to_id", (json_int_t)to, "kind", kind);
    if (role) json_object_set_new(rec, "decision_role", json_string(role));
    int64_t id = demo_create(w, &link_resource, rec, now);
    json_decref(rec);
    g->st.links++;
    return id > 0 ? 0 : -1;
}

static int add_interactions(db *w, struct gen *g, int64_t party, bool zh, int n)
{
    for (int i = 0; i < n; i++) {
        bool planned = i == 0 && unif() < 0.3;
        int64_t t = planned ? g->now + (int64_t)(pick(30 * 86400)) - 3 * 86400 : g->now - (int64_t)(unif() * YEARS * 365 * 86400.0);
        char ts[21];
        time_format(t, ts);
        size_t ri = pick(7), si;
        const char *resp = zh ? responses_zh[ri] : responses_en[ri];
        json_t *rec = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:{s:I, s:s}}", "party_id", (json_int_t)party,
            "channel", interaction_channels[pick(12)], "direction", unif() < 0.7 ? "outbound" : "inbound", "subject", (si = pick(sizeof subjects_zh / sizeof subjects_zh[0]), zh ? subjects_zh[si] : subjects_en[si]),
            "notes", zh ? "客户对新方案表示关注。" : "The customer showed interest in the new plan.", "status", planned ? "planned" : "done",
            "user_id", (json_int_t)g->user_ids[pick(g->nusers)], "cost", "amount", (json_int_t)(500 + pick(20000)), "currency", "CNY");
        json_object_set_new(rec, planned ? "due_at" : "occurred_at", json_string(ts));
        if (!planned) json_object_set_new(rec, "response", json_string(resp));
        int64_t id = demo_create(w, &interaction_resource, rec, ts);
        json_decref(rec);
        if (id < 0) return -1;
        g->st.interactions++;
    }
    return 0;
}

/* Buy-till-you-die purchases: a Poisson rate per customer (gamma across
 * customers), a chance to leave after each purchase (beta across customers),
 * and a spend level (gamma) with noise per purchase. */
static int add_purchases(db *w, struct gen *g, int64_t party, bool org)
{
    double rate = gamma_draw(0.6, 1.0 / 40.0);          /* purchases per day */
    double p_leave = beta_draw(0.9, 3.0);
    double spend = gamma_draw(2.0, org ? 60000.0 : 15000.0);
    int64_t t = g->now - (int64_t)(unif() * YEARS * 365 * 86400.0);
    int n = 0;
    while (t < g->now && n < 200) {
        int p = (int)pick(sizeof products / sizeof products[0]);
        long qty = 1 + pick(org ? 20 : 3);
        long amount = (long)(spend * (0.5 + unif())) + products[p].price * qty / 10;
        long cost = (long)(amount * (0.55 + 0.3 * unif()));
        char ts[21];
        time_format(t, ts);
        bool competitor = g->ncompetitors && unif() < 0.05;
        json_t *rec = json_pack("{s:I, s:s, s:{s:I, s:s}, s:[{s:I, s:s, s:I, s:I}], s:s}", "party_id", (json_int_t)party,
            "occurred_at", ts, "amount", "amount", (json_int_t)amount, "currency", "CNY",
            "items", "product_id", (json_int_t)g->product_ids[p], "sku", products[p].sku, "quantity", (json_int_t)qty, "amount", (json_int_t)amount,
            "channel", unif() < 0.5 ? "online" : unif() < 0.5 ? "store" : "sales_rep");
        if (competitor) json_object_set_new(rec, "competitor_id", json_integer(g->competitors[pick(g->ncompetitors)]));
        else json_object_set_new(rec, "cost", json_pack("{s:I, s:s}", "amount", (json_int_t)cost, "currency", "CNY"));
        int64_t id = demo_create(w, &transaction_resource, rec, ts);
        json_decref(rec);
        if (id < 0) return -1;
        g->st.transactions++;
        n++;
        if (unif() < p_leave) break;
        double gap = -log(unif() + 1e-12) / (rate + 1e-6);
        if (gap > 3650) break;
        t += (int64_t)(gap * 86400) + 3600;
    }
    return 0;
}

static int job_setup(db *w, void *arg)
{
    struct gen *g = arg;
    char now[21];
    time_format(g->now, now);
    static const char *const teams[] = {"华东销售部", "华北销售部", "大客户部", "客户服务部"};
    for (size_t i = 0; i < sizeof teams / sizeof teams[0]; i++) {
        db_stmt *s = db_prepare(w, "INSERT INTO team(name, created_at, updated_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING");
        db_bind_text(s, 1, teams[i]);
        db_bind_text(s, 2, now);
        db_bind_text(s, 3, now);
        if (exec_ok(s)) return 1;
    }
    static const struct { const char *email, *name, *role; int team; } staff[] = {
        {"wang.fang@demo.rapport", "王芳", "sales", 1}, {"li.qiang@demo.rapport", "李强", "sales", 2},
        {"chen.jing@demo.rapport", "陈静", "manager", 3}, {"emma.hall@demo.rapport", "Emma Hall", "marketing", 1},
        {"zhao.lei@demo.rapport", "赵磊", "service", 4},
    };
    /* Demo staff get a random password nobody knows; an operator can set one
     * with `rapport user passwd`. */
    char pw[SECRET_TEXT_LEN], hash[PASSWORD_HASH_LEN];
    snprintf(pw, sizeof pw, "%016llx%016llx", (unsigned long long)rnd(), (unsigned long long)rnd());
    if (password_hash(pw, hash)) return 1;
    for (size_t i = 0; i < sizeof staff / sizeof staff[0]; i++) {
        db_stmt *s = db_prepare(w, "INSERT INTO app_user(email, name, role, team_id, password_hash, created_at, updated_at)"
                                   " VALUES (?, ?, ?, (SELECT id FROM team WHERE name = ?), ?, ?, ?) ON CONFLICT DO NOTHING");
        db_bind_text(s, 1, staff[i].email);
        db_bind_text(s, 2, staff[i].name);
        db_bind_text(s, 3, staff[i].role);
        db_bind_text(s, 4, teams[staff[i].team - 1]);
        db_bind_text(s, 5, hash);
        db_bind_text(s, 6, now);
        db_bind_text(s, 7, now);
        if (exec_ok(s)) return 1;
    }
    db_stmt *s = db_prepare(w, "SELECT id FROM app_user ORDER BY id LIMIT 8");
    while (db_step(s) == DB_ROW && g->nusers < 8) g->user_ids[g->nusers++] = db_column_int64(s, 0);
    db_done(s);
    g->st.users = g->nusers;
    for (size_t i = 0; i < sizeof products / sizeof products[0]; i++) {
        s = db_prepare(w, "SELECT id FROM product WHERE sku = ?");
        db_bind_text(s, 1, products[i].sku);
        bool have = db_step(s) == DB_ROW;
        db_done(s);
        if (!have) {
            json_t *rec = json_pack("{s:s, s:s, s:s, s:{s:I, s:s}, s:b}", "sku", products[i].sku, "name", products[i].name,
                                    "category", i < 4 ? "软件 Software" : i < 8 ? "礼品 Gifts" : "服务与设备 Services & devices",
                                    "price", "amount", (json_int_t)products[i].price, "currency", "CNY", "active", 1);
            int64_t pid = demo_create(w, &product_resource, rec, now);
            json_decref(rec);
            if (pid < 0) return 1;
        }
        s = db_prepare(w, "SELECT id FROM product WHERE sku = ?");
        db_bind_text(s, 1, products[i].sku);
        if (db_step(s) == DB_ROW) g->product_ids[i] = db_column_int64(s, 0);
        db_done(s);
        g->st.products++;
    }
    return 0;
}

static const char *pick_role(void)
{
    double u = unif();
    return u < 0.70 ? "customer" : u < 0.88 ? "prospect" : u < 0.92 ? "supplier" : u < 0.95 ? "channel_partner"
         : u < 0.97 ? "competitor" : u < 0.99 ? "influencer" : "employee";
}

static int job_batch(db *w, void *arg)
{
    struct gen *g = arg;
    long end = g->done + BATCH < g->total ? g->done + BATCH : g->total;
    for (long i = g->done; i < end; i++) {
        bool org = unif() < 0.25 || !g->last_org;
        const char *role = pick_role();
        char py[64];
        json_t *rec = org ? make_org() : make_person(g, py, sizeof py);
        classify(rec, role);
        if (g->nusers) json_object_set_new(rec, "owner_id", json_integer(g->user_ids[pick(g->nusers)]));
        int64_t id = insert_party(w, g, rec);
        bool zh = chinese(rec);
        json_decref(rec);
        if (id < 0) return 1;
        if (!strcmp(role, "competitor") && g->ncompetitors < 16) g->competitors[g->ncompetitors++] = id;
        if (!org && g->last_org && unif() < 0.5 &&
            add_link(w, g, id, g->last_org, "works_at", decision_roles[pick(5)])) return 1;
        if (!org && g->last_person && unif() < 0.1 && add_link(w, g, id, g->last_person, "referred_by", NULL)) return 1;
        if (org) g->last_org = id; else g->last_person = id;
        bool buyer = !strcmp(role, "customer");
        if (add_interactions(w, g, id, zh, (int)pick(buyer ? 7 : 3))) return 1;
        if (buyer && add_purchases(w, g, id, org)) return 1;
    }
    g->done = end;
    return 0;
}

int demo_generate(long parties, uint64_t seed, void (*progress)(long done, long total), struct demo_stats *out)
{
    struct gen g = {.total = parties};
    g_rng = seed * 0x9E3779B97F4A7C15ULL + 1;
    g.now = time_now();
    g.start = g.now - (int64_t)YEARS * 365 * 86400;
    registry_init();
    if (db_write(job_setup, &g)) return -1;
    while (g.done < g.total) {
        if (db_write(job_batch, &g)) return -1;
        if (progress) progress(g.done, g.total);
    }
    if (out) *out = g.st;
    return 0;
}
