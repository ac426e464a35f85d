// The `monitoring` section: outgoing webhooks (engine/server/webhooks.ts) that a session POSTs
// critical events to. None by default.
//
//   monitoring:
//     webhooks:
//       - url: https://hooks.example.com/quantflow
//         events: [killSwitch, fill, riskDenial, modelAlert, feedHealth]
//         secret: null          # HMAC-SHA256 key of the X-QuantFlow-Signature header (e.g. from QF_MONITORING_WEBHOOKS_0_SECRET)

export const MONITORING_EVENTS = ['killSwitch', 'fill', 'riskDenial', 'modelAlert', 'feedHealth'] as const;

export interface MonitoringWebhookConfig {
  readonly url: string;
  readonly events: readonly (typeof MONITORING_EVENTS)[number][];
  readonly secret?: string | null;
}

export interface MonitoringConfig {
  readonly webhooks: readonly MonitoringWebhookConfig[];
}

export const MONITORING_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
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
  return { webhooks: (raw?.webhooks ?? []).map((hook) => ({ url: hook.url, events: [...hook.events], ...(hook.secret ? { secret: hook.secret } : {}) })) };
}
