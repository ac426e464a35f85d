// Public surface of engine/config: loading and validating config/default.yaml with
// `--config FILE` and QF_ environment overrides.
export { loadConfig, defaultConfigPath, type QuantFlowConfig, type ControlConfig, type LoadConfigOptions, type ConfigDocumentSource } from './load-config.js';
export { ConfigError } from './config-error.js';
export type { DataSourceConfig } from './data-config.js';
export { CONFIG_SCHEMA } from './config-schema.js';
export { ENV_PREFIX, ENV_ALIASES, envSegment } from './env-overrides.js';
export { resolveLiveConfig, parseCredentialsSource, LIVE_CONFIG_SCHEMA, DEFAULT_MAX_CONSECUTIVE_REJECTS, MAX_CONSECUTIVE_REJECTS_BOUND, type LiveConfig, type LiveInstrumentConfig, type CredentialsSource } from './live-config.js';
export { DEFAULT_MODEL_MONITOR, DEFAULT_MODEL_WAIT_MS, checkModelInstruments, type ModelConfig, type ModelMonitorConfig } from './model-config.js';
export { MONITORING_EVENTS, type MonitoringConfig, type MonitoringWebhookConfig } from './monitoring-config.js';
export { configValidator, configValidatorSource, configSchemaFingerprint, generateConfigValidatorModule, GENERATED_VALIDATOR_FILE, CONFIG_AJV_OPTIONS, type ConfigValidateFunction, type ConfigValidatorSource } from './config-validator.js';
