// Errors of adapters/ib. Each names the field, the value and the rule (config), or the request
// and what the venue said (requests); none carries a secret (the account is masked).

export class IbConfigError extends Error {
  constructor(readonly field: string, readonly value: unknown, readonly rule: string) {
    super(`IB adapter config: \`${field}\` ${rule}, was ${JSON.stringify(value)}`);
    this.name = 'IbConfigError';
  }
}

export class IbConnectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IbConnectError';
  }
}

export class IbRequestError extends Error {
  constructor(readonly request: string, readonly code: number, message: string) {
    super(`IB ${request} failed: error ${code}: ${message}`);
    this.name = 'IbRequestError';
  }
}

export class IbDisconnectedError extends Error {
  constructor(request: string) {
    super(`IB ${request}: the connection to TWS / IB Gateway is down (the adapter reconnects; retry after it does)`);
    this.name = 'IbDisconnectedError';
  }
}
