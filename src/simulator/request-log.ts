/**
 * The log of Vobiz requests the simulator served, for tests to count calls ("exactly one
 * purchase of +14155551234"). Test-control requests are not logged.
 */

export interface RequestLogEntry {
  /** Position in the log, from 1. */
  seq: number;
  /** Simulated time the request arrived, RFC 3339. */
  time: string;
  method: string;
  /** Path and query exactly as received, percent-encoding included. */
  rawPath: string;
  /** Operation name such as `purchase`; `unknown` when no Vobiz route matched. */
  operation: string;
  /** HTTP status sent, or `dropped` when the connection was closed without a response. */
  status: number | 'dropped';
  /** Number the request was about, from the path or the body. */
  e164?: string;
  /** `page` query parameter of a list request. */
  page?: number;
  /** `X-Auth-ID` header of the request. */
  authId?: string;
  /** `User-Agent` header of the request, which distinguishes the clients of one account. */
  userAgent?: string;
  /** Injected faults that fired, such as `after:delay 2000ms`. */
  faults?: string[];
}

export interface RequestLogFilter {
  operation?: string;
  e164?: string;
  method?: string;
}

/** Entries kept at most; the oldest go first. */
const maxEntries = 10_000;

export class RequestLog {
  #entries: RequestLogEntry[] = [];
  #seq = 0;

  add(entry: Omit<RequestLogEntry, 'seq'>): RequestLogEntry {
    this.#seq += 1;
    const stored = { seq: this.#seq, ...entry };
    this.#entries.push(stored);
    if (this.#entries.length > maxEntries) this.#entries.shift();
    return stored;
  }

  list(filter: RequestLogFilter = {}): RequestLogEntry[] {
    return this.#entries.filter(
      (entry) =>
        (filter.operation === undefined || entry.operation === filter.operation) &&
        (filter.e164 === undefined || entry.e164 === filter.e164) &&
        (filter.method === undefined || entry.method === filter.method.toUpperCase()),
    );
  }

  clear(): void {
    this.#entries = [];
  }
}
