// The `monitoring` section: where a running session's state server listens (the dashboard,
// WebSocket topics, /health, /metrics: `quantflow run`, whose --host and --port override it) and
// the outgoing webhooks (engine/server/webhooks.ts) that a session POSTs critical events to.
// 127.0.0.1:8787 and no webhooks by default.
//
//   monitoring:
//     host: 127.0.0.1           # the address the state server binds (0.0.0.0 exposes it: mind the control tokens)
//     port: 8787                # 0 picks a free port
//     webhooks:
//       - url: https://hooks.example.com/quantflow
//         events: [killSwitch, fill, riskDenial, modelAlert, feedHealth]
//         secret: null          # HMAC-SHA256 key of the X-QuantFlow-Signature header (e.g. from QF_MONITORING__WEBHOOKS__0__SECRET)

export const MONITORING_EVENTS = ['killSwitch', 'fill', 'riskDenial', 'modelAlert', 'feedHealth'] as const;

export interface MonitoringWebhookConfig {
  readonly url: string;
  readonly events: readonly (typeof MONITORING_EVENTS)[number][];
  readonly secret?: string | null;
}

export interface MonitoringConfig {
  readonly host: string;
  readonly port: number;
  readonly webhooks: readonly MonitoringWebhookConfig[];
}

export const DEFAULT_MONITORING_HOST = '127.0.0.1';
export const DEFAULT_MONITORING_PORT = 8787;

export const MONITORING_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    host: { type: 'string', minLength: 1 },
    port: { type: 'integer', minimum: 0, maximum: 65535 },
    webhooks: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['url', 'events'],
        properties: {
          url: { type: 'string', pattern: '^https?://' },
          events: { type: 'array', minItems: 1, items: { enum: [...MONITORING_EVENTS] } },
          secret: { type: ['string', 'null'], minLength: 16 },
        },
      },
    },
  },
} as const;

/** The checked section (schema-valid already); absent keys take their defaults. */
export function resolveMonitoringConfig(raw: Partial<MonitoringConfig> | undefined): MonitoringConfig {
  return {
    host: raw?.host ?? DEFAULT_MONITORING_HOST, port: raw?.port ?? DEFAULT_MONITORING_PORT,
    webhooks: (raw?.webhooks ?? []).map((hook) => ({ url: hook.url, events: [...hook.events], ...(hook.secret ? { secret: hook.secret } : {}) })),
  };
}
