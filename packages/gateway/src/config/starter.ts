// The commented gatehouse.yaml that `gatehouse init` writes: every key with
// a comment saying what it does, two example backends (stdio and http), and
// the sections this version accepts but does not enforce yet, commented out.

/** The two example backends: one child process over stdio, one Streamable HTTP server. */
const EXAMPLE_BACKENDS = `  # A local server the gateway starts as a child process and speaks to over
  # stdin/stdout. Its tools reach clients as everything__echo, everything__add, ...
  - name: everything
    command: npx                 # the program to run (looked up in PATH)
    args: ["-y", "@modelcontextprotocol/server-everything", "stdio"]
    # env:                       # extra environment variables for the process
    #   API_KEY: \${EVERYTHING_API_KEY}
    # cwd: /srv/everything       # working directory (default: the gateway's)
    # processes: 1               # processes run side by side; more keep overlapping interactive calls apart
    timeout_ms: 30000            # how long one request may take before it fails

  # A remote server over Streamable HTTP. Disabled until it runs: start one with
  #   PORT=3001 npx -y @modelcontextprotocol/server-everything streamableHttp
  - name: remote
    url: http://127.0.0.1:3001/mcp   # the server's MCP endpoint, http:// or https://
    # headers:                   # sent with every request to this backend
    #   Authorization: Bearer \${REMOTE_TOKEN}
    timeout_ms: 30000
    enabled: false               # true to federate it; false keeps the entry without using it
    # transport: http            # optional: http or stdio, inferred from url / command
    # protocol_version: 2025-11-25  # pin the MCP revision spoken to it (default: the newest it offers)
    # auth: none                 # none, service-account-x (GATEHOUSE_CREDENTIAL_SERVICE_ACCOUNT_X), or {type: static_header | oauth_client_credentials | token_exchange | oauth_passthrough | oauth, ...}
    # required_scope: remote.read  # scope a caller needs to reach this backend
    # scopes: { read: remote.read, invoke: remote.invoke, tools: { delete_*: [remote.admin] } }
    # circuit_breaker:           # fail fast while the backend is failing or slow (false: off)
    #   consecutive_failures: 5  # opens after this many failures (timeouts count) in a row...
    #   failure_rate: 0.5        # ...or this share of the last window_calls calls failing
    #   window_calls: 20
    #   minimum_calls: 10
    #   half_open_after_ms: 5000   # then one probe goes through; success closes it
    # retry:                     # idempotent reads only (never tools/call)
    #   max_attempts: 3          # attempts in all; 1: no retry
    #   initial_delay_ms: 100
    #   max_delay_ms: 1000
    # health_check:              # an MCP ping through the breaker
    #   interval_seconds: 10     # 0: off
    #   timeout_ms: 5000
    # With a registry section (below), how this backend enters the registry:
    # lifecycle: pre_approved    # or proposed: not routed until reviewed
    # owner: team:crm            # user:…, group:…, team:… or agent:…
    # description: Customer records for the sales agents
    # risk_tier: medium          # low | medium | high | critical
    # data_classification: internal   # public | internal | confidential | restricted
    # team: sales-platform
    # registry_scopes: [crm.read]   # the OAuth scopes its tools need (the entry's spec.scopes)
    # links: { repo: https://git.example.com/crm-mcp, runbook: https://wiki.example.com/crm-mcp }
    # version: 1.4.0
`;

export interface StarterOptions {
  /** A YAML list of backends indented by two spaces, replacing the examples. */
  backends?: string;
  /** Comment lines (without `#`) placed above the backends list. */
  backendsNote?: string[];
}

/** The text of a starter gatehouse.yaml. `gatehouse validate` accepts it as written. */
export function renderStarterConfig(options: StarterOptions = {}): string {
  const note = (options.backendsNote ?? []).map((line) => `  # ${line}\n`).join('');
  const backends = options.backends ?? EXAMPLE_BACKENDS;
  return `# gatehouse.yaml: configuration of a Gatehouse MCP gateway.
# Every key is described in docs/configuration.md. Any value may read the
# environment with \${VAR} or \${VAR:-default}; write $\${ for a literal \${.
# Check this file with: gatehouse validate gatehouse.yaml

gateway:
  # Where MCP clients connect (Streamable HTTP at /mcp). 127.0.0.1 keeps the
  # gateway on this machine; 0.0.0.0 opens it to the network.
  host: 127.0.0.1
  port: 8080
  # Health, readiness and metrics. Keep it private.
  admin_host: 127.0.0.1
  admin_port: 8081
  # Clients see each backend's tools and prompts as <backend><separator><name>.
  # One to three characters, each _ or -, and never part of a backend name.
  name_separator: "__"
  # Browser origins allowed to call the gateway (checked against the Origin
  # header); a port of * matches any port. The default is loopback only.
  allowed_origins:
    - http://localhost:*
    - https://localhost:*
    - http://127.0.0.1:*
    - https://127.0.0.1:*
    - http://[::1]:*
    - https://[::1]:*
  # The URL clients use to reach the gateway, when it sits behind a proxy.
  # endpoint: https://mcp-gateway.example.com
  # This instance's id in logs (default: gatehouse-<hostname>).
  # id: gatehouse-1
  # On SIGTERM/SIGINT: how long to finish the calls in flight before exiting
  # (keep it under the orchestrator's grace period, 30 s on Kubernetes).
  # drain_timeout_seconds: 25

# The MCP servers behind the gateway. A name is letters, digits and -, and a
# backend has either a url (Streamable HTTP) or a command (stdio).
backends:
${note}${backends}
compliance: standard              # strict: audit fails closed, anonymous access is refused

# Client sessions.
session_store: memory            # memory, or redis://host:6379/0 to share sessions between replicas
session_ttl_seconds: 3600        # an idle session expires after this many seconds
max_message_size_bytes: 1048576  # largest message accepted from a client (1 MiB)
max_json_depth: 64               # deepest nesting accepted in a client's JSON (400 beyond it)
stream_timeout_seconds: 300      # longest an SSE response stream stays open
max_concurrent_sessions_per_user: 10   # sessions one identity may hold at once (authentication on)
# session_key_prefix: "gatehouse:"     # prefix of the Redis keys and channels (several gateways on one Redis)

# The sections below are optional; uncomment what you need.
#
# authentication:                             # on: every client presents an OAuth token (docs/identity.md)
#   oauth_issuer: https://login.example.com   # who issues the tokens clients present (none: the embedded provider)
#   audience: mcp-gateway                     # accepted besides the gateway's own URLs
#   jwks_uri: https://login.example.com/.well-known/jwks.json   # default: discovered
#   algorithms: [RS256, ES256]                # accepted JWT algorithms; default: every asymmetric one
#   clock_skew_seconds: 30
#   token_cache_entries: 10000
#   jwks_refetch_floor_seconds: 30
#   jwks_max_age_seconds: 600
#   introspection:                            # opaque tokens (RFC 7662)
#     client_id: gatehouse-rs
#     client_secret: \${INTROSPECTION_SECRET}
#   claims: { agent: [azp, client_id], user: sub, scopes: [scope, scp], roles: [roles], role_map: {} }
#   scope_hierarchy: { crm.admin: ["crm.*"] }
#   scopes_supported: [crm.read]              # advertised in the protected resource metadata
#   mode: on_behalf_of                        # agent_as_service, on_behalf_of or hybrid
#   allow_anonymous: false                    # true turns authentication off (local experiments; refused with compliance: strict)
#   service_client:                           # the gateway's own client at the IdP, for token_exchange backends
#     client_id: gatehouse-gateway
#     client_secret: \${GATEHOUSE_CLIENT_SECRET}
#   embedded_idp: false                       # without oauth_issuer: true, or settings ({port: 8082, agents: [...]})
#
# authorization:                              # the scopes each backend needs (per backend: backends[].scopes)
#   listing: callable                         # readable: list tools a caller could step up to
#   read_scope: "{backend}.read"
#   invoke_scope: "{backend}.invoke"
#
# audit:
#   store: sqlite                             # where records are kept locally: sqlite or postgres
#   path: ./gatehouse-audit.db                # the sqlite file
#   retention_days: 2555                      # how long they are kept
#   postgres_url: postgres://gatehouse@db:5432/audit   # with store: postgres (daily partitions)
#   postgres_schema: public
#   fail_mode: open                           # closed: refuse to answer when a record cannot be kept (default with compliance: strict)
#   fail_mode_for_changes: closed             # tool calls that change data: recorded before they run; closed (the default) refuses them when that fails
#   tool_effects: {crm: {search: read_only}}  # overrule tools' readOnlyHint annotations: changes_data or read_only, per backend or per tool
#   spool_path: ./audit-spool.jsonl           # fail-open: records the store cannot take wait here and are replayed (default beside the store)
#   spool_max_bytes: 268435456                # the spool's limit; 0 turns it off
#   retention_interval_hours: 24              # how often whole expired days are dropped
#   store_outputs: false                      # keep tool outputs too (true, false, or a list of backends)
#   redaction: {patterns: [ssn, credit_card]} # redact arguments/outputs before storage (default: the response filters'; credentials always)
#   batch_max_records: 1000                   # group commit: records per write
#   batch_max_delay_ms: 0                     # group commit: longest wait to fill a batch
#   batch_busy_interval_ms: 0                 # under load, least ms between commit starts, so one sync serves more records
#   max_pending_records: 100000               # records waiting for the store before fail_mode applies
#   checkpoint_interval_seconds: 10           # how often a signed Merkle checkpoint is written
#   checkpoint_every_records: 100000
#   signing_key: ./audit-signing-key.pem      # Ed25519 key that signs checkpoints (created when missing)
#   trusted_keys: []                          # public keys verify accepts besides the current one
#   sqlite_synchronous: full                  # full or normal
#   redaction: { patterns: [ssn, credit_card] }   # what is redacted before storage (default: the response_filter policies' settings)
#
# telemetry:
#   tracing:                                  # OpenTelemetry traces over OTLP/HTTP; off unless enabled
#     enabled: true                           # or set OTEL_EXPORTER_OTLP_ENDPOINT
#     endpoint: http://127.0.0.1:4318/v1/traces
#     protocol: http/protobuf                 # or http/json
#     sampling_ratio: 1                       # share of new traces recorded, 0 to 1
#     service_name: gatehouse
#   metrics:                                  # Prometheus metrics on the admin listener's /metrics
#     enabled: true                           # false: nothing is counted and /metrics answers 404
#     user_allowlist: []                      # users labelled by name; others hashed into user_buckets
#     user_buckets: 16
#     max_series_per_metric: 10000            # label sets per metric before they fold into __overflow__
#     session_capacity: 10000                 # sessions one replica is sized for (the capacity alert)
#
# reload:                                     # SIGHUP always re-reads this file; a bad file is refused
#   watch: false                              # also reload when this file changes (or: gatehouse start --watch)
#   debounce_ms: 250
#
# registry:                                   # govern backends: only reviewed (active) ones are routed (docs/registry.md)
#   store: sqlite                             # or a postgres:// URL
#   path: .gatehouse/registry.db              # sqlite only; default beside the audit database
#   enforce: true                             # false: keep and review entries, route every backend
#   review_tiers: { high: 2, critical: 3 }    # distinct reviewers per risk tier
#   review_interval_days: 90
#   suspend_overdue: false                    # true: suspend serving backends past their review date
#   review_sweep_interval_seconds: 3600       # how often overdue reviews are flagged (and suspended)
#
# discovery:                                  # backends found at run time besides the list above
#   directory:
#     path: ./backends.d                      # one YAML file per backend, the keys of a backends entry
#   dns_srv:
#     - name: _mcp._tcp.tools.example.internal   # each target becomes {scheme}://{target}:{port}{path}
#       scheme: http
#       path: /mcp
#       backend_prefix: srv                   # backend name: srv-{first label of the target}
#       interval_seconds: 30
#       resolvers: [10.0.0.2:53]              # default: the system's DNS servers
#       timeout_ms: 30000
#   kubernetes:                               # Services matching a label selector (in a pod: its service account)
#     namespace: tools                        # default: the pod's own namespace
#     label_selector: app.kubernetes.io/component=mcp-backend
#     api_url: https://kubernetes.default.svc # default: KUBERNETES_SERVICE_HOST/PORT
#     token_file: /var/run/secrets/kubernetes.io/serviceaccount/token
#     ca_file: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt
#     address: dns                            # dns ({service}.{namespace}.svc) or cluster_ip
#     scheme: http
#     path: /mcp                              # annotations gatehouse.dev/mcp-{name,port,path,scheme} override
#     timeout_ms: 30000
#
# outbound:                                   # URLs callers or discovered records supply (docs/security.md section 3)
#   allow: ["*.tools.svc.cluster.local"]      # internal CIDRs, addresses or names they may reach; default none
#   timeout_ms: 10000
#   max_response_bytes: 1048576
#
# usage:                                      # teams for gatehouse usage --by team (docs/usage.md)
#   teams:
#     analytics: { agents: [research], users: [alice@company.com] }
#
# tenants:                                    # departments on one gateway, each sees only its own catalog (docs/tenants.md)
#   claim: tenant                             # the token claim naming a caller's tenant
#   unassigned: refuse                        # or a tenant's name: where a token without the claim goes
#   list:
#     - name: sales
#       backends: [crm]                       # owned: only this tenant sees them
#       shared: [docs]                        # backends no tenant owns, granted to this one
#       admins: [sales-lead]                  # agents or users administering this tenant only
#       policies: []                          # run after the global chain, on this tenant's calls only
#
# policies:                                   # each: a name, a type and its settings
#   - name: rate_limit_per_user
#     type: rate_limit
#     requests_per_minute: 60
`;
}
