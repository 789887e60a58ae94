import { Link } from 'react-router';

export function NotFoundPage() {
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">No such page</h1>
      <p>The console has no page here. <Link to="/">Go to the overview</Link>.</p>
    </section>
  );
}
