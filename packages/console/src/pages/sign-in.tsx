// Shown when there is no console session: one link to the backend-for-frontend's
// login, which runs the authorization code flow with PKCE against the
// gateway's issuer and comes back here with a session cookie.

export function SignIn({ problem }: { problem?: string }) {
  const returnTo = window.location.pathname.startsWith('/console/') ? window.location.pathname + window.location.search : '/console/';
  const error = new URLSearchParams(window.location.search).get('login_error');
  return (
    <main className="sign-in" id="content">
      <h1>Gatehouse console</h1>
      <p>Sign in with your organisation's identity provider. What you see and may do follows the scopes of your sign-in; the admin API checks every request.</p>
      {problem === undefined ? null : <p className="notice notice-error" role="alert">The console could not read your session: {problem}</p>}
      {error === null ? null : <p className="notice notice-error" role="alert">Sign-in failed: {error}</p>}
      <a className="button" href={`/console/auth/login?return_to=${encodeURIComponent(returnTo)}`}>Sign in</a>
    </main>
  );
}
