// Builds the IB adapter from config (the CLI and the live session's venue choice call this).
import type { IbAdapterConfig } from './config.js';
import { IbVenueAdapter, type IbAdapterOptions } from './ib-venue-adapter.js';

export function createIbVenueAdapter(config: IbAdapterConfig, options: IbAdapterOptions = {}): IbVenueAdapter {
  return new IbVenueAdapter(config, options);
}
