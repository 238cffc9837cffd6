// pages: the page registry. Adding a page is one entry here plus one module
// in pages/ that exports `render(ctx)` (see docs/UI.md). Entries with `nav`
// appear in the side bar, in this order; `roles` limits a page to some roles.
export const PAGES = [
  { path: '/login', public: true, bare: true, title: 'login.title', load: () => import('./pages/login.js') },
  { path: '/', nav: 'dashboard', icon: 'dashboard', title: 'nav.dashboard', load: () => import('./pages/dashboard.js') },
  { path: '/customers', nav: 'customers', icon: 'customers', title: 'nav.customers', load: () => import('./pages/customers.js') },
  { path: '/customers/:id', active: 'customers', title: 'nav.customers', load: () => import('./pages/customer.js') },
  { path: '/tasks', nav: 'tasks', icon: 'calendar', title: 'nav.tasks', load: () => import('./pages/tasks.js') },
  { path: '/leads', nav: 'leads', icon: 'tag', title: 'nav.leads', can: ['leads', 'read'], load: () => import('./pages/leads.js') },
  { path: '/leads/:id', active: 'leads', title: 'nav.leads', can: ['leads', 'read'], load: () => import('./pages/lead.js') },
  { path: '/campaigns', nav: 'campaigns', icon: 'calendar', title: 'nav.campaigns', can: ['campaigns', 'read'], load: () => import('./pages/campaigns.js') },
  { path: '/quotes', nav: 'quotes', icon: 'note', title: 'nav.quotes', can: ['quotes', 'read'], load: () => import('./pages/quotes.js') },
  { path: '/quotes/:id', active: 'quotes', title: 'nav.quotes', can: ['quotes', 'read'], load: () => import('./pages/quotes.js') },
  { path: '/orders', nav: 'orders', icon: 'products', title: 'nav.orders', can: ['orders', 'read'], load: () => import('./pages/orders.js') },
  { path: '/orders/:id', active: 'orders', title: 'nav.orders', can: ['orders', 'read'], load: () => import('./pages/orders.js') },
  { path: '/price-lists', title: 'pl.title', active: 'products', can: ['price-lists', 'read'], load: () => import('./pages/price-lists.js') },
  // service (issue 19)
  { path: '/cases', nav: 'cases', icon: 'chat', title: 'nav.cases', can: ['cases', 'read'], load: () => import('./pages/cases.js') },
  { path: '/cases/:id', active: 'cases', title: 'nav.cases', can: ['cases', 'read'], load: () => import('./pages/case.js') },
  { path: '/service-measures', title: 'service.m_title', active: 'cases', can: ['cases', 'read'], load: () => import('./pages/service-measures.js') },
  { path: '/service-setup', title: 'service.setup_title', active: 'settings', roles: ['admin'], load: () => import('./pages/service-setup.js') },
  { path: '/programmes', nav: 'programmes', icon: 'calendar', title: 'nav.programmes', can: ['contact-plans', 'read'], load: () => import('./pages/programmes.js') },
  { path: '/occasions', nav: 'occasions', icon: 'calendar', title: 'nav.occasions', load: () => import('./pages/occasions.js') },
  { path: '/campaigns/:id', active: 'campaigns', title: 'nav.campaigns', can: ['campaigns', 'read'], load: () => import('./pages/campaign.js') },
  { path: '/email-templates', nav: 'email-templates', icon: 'mail', title: 'mail.templates', can: ['email-templates', 'read'], load: () => import('./pages/email-templates.js') },
  // issue 21: loyalty
  { path: '/loyalty', nav: 'loyalty', icon: 'gift', title: 'nav.loyalty', can: ['loyalty-programs', 'read'], load: () => import('./pages/loyalty.js') },
  { path: '/referral', active: 'loyalty', title: 'ref.title', can: ['referral-programs', 'read'], load: () => import('./pages/referral.js') },
  { path: '/referral/:id', active: 'loyalty', title: 'ref.title', can: ['referral-programs', 'read'], load: () => import('./pages/referral.js') },
  // Issue 18: the deal board, a deal, the forecast and the sales reports.
  { path: '/deals', nav: 'deals', icon: 'columns', title: 'nav.deals', can: ['opportunities', 'read'], load: () => import('./pages/deals.js') },
  { path: '/deals/:id', active: 'deals', title: 'nav.deals', can: ['opportunities', 'read'], load: () => import('./pages/deal.js') },
  { path: '/forecast', active: 'deals', title: 'sales.forecast_title', can: ['opportunities', 'read'], load: () => import('./pages/forecast.js') },
  { path: '/sales-reports', active: 'deals', title: 'sales.reports_title', can: ['opportunities', 'read'], load: () => import('./pages/sales-reports.js') },
  { path: '/products', nav: 'products', icon: 'products', title: 'nav.products', load: () => import('./pages/products.js') },
  { path: '/import', nav: 'import', icon: 'download', title: 'nav.import', can: ['imports', 'create'], load: () => import('./pages/import.js') },
  { path: '/users', nav: 'users', icon: 'user', title: 'nav.users', roles: ['admin'], load: () => import('./pages/users.js') },
  { path: '/teams', title: 'teams.title', active: 'settings', roles: ['admin'], load: () => import('./pages/teams.js') },
  { path: '/permissions', title: 'perm.title', active: 'settings', roles: ['admin'], load: () => import('./pages/permissions.js') },
  { path: '/field-security', title: 'fsec.title', active: 'settings', roles: ['admin'], load: () => import('./pages/field-security.js') },
  { path: '/schedules', title: 'sched.title', active: 'settings', roles: ['admin'], load: () => import('./pages/schedules.js') },
  { path: '/analytics-settings', title: 'asettings.title', active: 'settings', roles: ['admin'], load: () => import('./pages/analytics-settings.js') },
  { path: '/assignment-rules', title: 'arules.title', active: 'settings', roles: ['admin'], load: () => import('./pages/assignment-rules.js') },
  { path: '/lead-forms', title: 'lforms.title', active: 'settings', roles: ['admin'], load: () => import('./pages/lead-forms.js') },
  { path: '/audit', nav: 'audit', icon: 'clock', title: 'nav.audit', roles: ['admin'], load: () => import('./pages/audit.js') },
  { path: '/settings', nav: 'settings', icon: 'settings', title: 'nav.settings', load: () => import('./pages/settings.js') },
];

export const NOT_FOUND = { title: 'notfound.title', load: () => import('./pages/notfound.js') };
export const FORBIDDEN = { title: 'forbidden.title', load: () => import('./pages/forbidden.js') };
