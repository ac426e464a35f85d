// Secrets never reach logs (live sessions and their venue adapters): every log line goes through `redact`, which replaces
// each registered secret (API key, secret, password, and their URL-encoded forms) and any
// `signature=` / `X-MBX-APIKEY` value, and Coinbase's `Bearer <JWT>` / `CB-ACCESS-SIGN|KEY` values, with '***'.
const SIGNATURE = /(signature=)[0-9a-fA-F%]+/g;
const API_KEY_HEADER = /("?X-MBX-APIKEY"?\s*[:=]\s*"?)[^"&,\s}]+/gi;
const BEARER = /(Bearer\s+)[A-Za-z0-9._~+/=-]+/g;
const CB_HEADER = /("?CB-ACCESS-(?:SIGN|KEY)"?\s*[:=]\s*"?)[^"&,\s}]+/gi;

export class Redactor {
  private readonly secrets: string[];

  constructor(secrets: readonly (string | undefined)[]) {
    const set = new Set<string>();
    for (const s of secrets) if (s && s.length >= 4) { set.add(s); set.add(encodeURIComponent(s)); }
    this.secrets = [...set].sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join('***');
    return out.replace(SIGNATURE, '$1***').replace(API_KEY_HEADER, '$1***').replace(BEARER, '$1***').replace(CB_HEADER, '$1***');
  }
}

export type LogLine = (line: string) => void;

/** A logger whose every line is redacted first. */
export function redactingLog(redactor: Redactor, sink: LogLine): LogLine {
  return (line) => sink(redactor.redact(line));
}
