// Public API of engine/server: the state server (uWS, topics, coalescing, control, /health and
// /metrics), the StateSource a host feeds it with, and EngineStateSource for an EngineHost run.
export { startStateServer, type StateServer, type StateServerOptions } from './server.js';
export { PushStateSource, type DeltaListener, type SourceHealth, type StateSource, type TopicDelta } from './state-source.js';
export { EngineStateSource, mergeOutboundListeners, type EngineStateSourceOptions } from './engine-state-source.js';
export {
  ControlGate, ControlRefusedError, MalformedMessageError, parseControlAction, type ControlContext, type ControlHandler, type ControlRefusalListener, type ControlResumeEvent, type ControlResumeListener, describeControlResume,
} from './control.js';
export { ClientSession, type SessionLimits, type SessionSocket } from './client-session.js';
export { printableText } from './printable-text.js';
export { FrameEncoder, type FrameHeader } from './frame-encoder.js';
export { ServerMetrics } from './server-metrics.js';
export type { HealthReport } from './http.js';
export { dashboardMounts, registerStaticRoutes, resolveStaticFile, type StaticMount } from './static-files.js';
export { DELIVERY_HEADER, IDEMPOTENCY_HEADER, REMOVAL_BATCH, SIGNATURE_HEADER, WEBHOOK_EVENTS, WebhookNotifier, checkWebhookConfigs, webhookLogName, webhookSignature, type WebhookConfig, type WebhookCounters, type WebhookEvent, type WebhookOptions, type JournalPosition } from './webhooks.js';
export { WebhookOutbox, webhookOutboxPath, type OutboxEntry, type OutboxMarks, derivedEventId } from './webhook-outbox.js';
