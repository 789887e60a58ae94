// Tenants, for platform admins: a placeholder until the admin API has a
// tenant route; meanwhile usage per tenant is on the Usage page.

import { Link } from 'react-router';
import { isServed, useApiPaths } from '../capabilities.ts';
import { NotAvailable } from '../components/states.tsx';

export function TenantsPage() {
  const { paths } = useApiPaths();
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Tenants</h1>
      {isServed(paths, '/admin/tenants')
        ? <p>This gateway serves a tenant API; the console's tenant page is not built yet. Use <code>GET /admin/tenants</code> meanwhile.</p>
        : <NotAvailable what="Tenant management (GET /admin/tenants)" hint="The admin API has no tenant route yet." />}
      <p>Cost and calls per tenant: <Link to="/usage">Usage</Link>. Registry entries carry their tenant: <Link to="/registry">Registry</Link>.</p>
    </section>
  );
}
