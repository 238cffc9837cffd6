// pages: the page registry. Adding a page is one entry here plus one module
// in pages/ that exports `render(ctx)` (see docs/UI.md). Entries with `nav`
// appear in the side bar, in this order; `roles` limits a page to some roles.
export const PAGES = [
  { path: '/login', public: true, bare: true, title: 'login.title', load: () => import('./pages/login.js') },
  { path: '/', nav: 'dashboard', icon: 'dashboard', title: 'nav.dashboard', load: () => import('./pages/dashboard.js') },
  { path: '/customers', nav: 'customers', icon: 'customers', title: 'nav.customers', load: () => import('./pages/customers.js') },
  { path: '/customers/:id', active: 'customers', title: 'nav.customers', load: () => import('./pages/customer.js') },
  { path: '/tasks', nav: 'tasks', icon: 'calendar', title: 'nav.tasks', load: () => import('./pages/tasks.js') },
  { path: '/campaigns', nav: 'campaigns', icon: 'calendar', title: 'nav.campaigns', can: ['campaigns', 'read'], load: () => import('./pages/campaigns.js') },
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
  { path: '/audit', nav: 'audit', icon: 'clock', title: 'nav.audit', roles: ['admin'], load: () => import('./pages/audit.js') },
  { path: '/settings', nav: 'settings', icon: 'settings', title: 'nav.settings', load: () => import('./pages/settings.js') },
];

export const NOT_FOUND = { title: 'notfound.title', load: () => import('./pages/notfound.js') };
export const FORBIDDEN = { title: 'forbidden.title', load: () => import('./pages/forbidden.js') };
