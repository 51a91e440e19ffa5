// The dashboard's web pages (`/` and `/ui/…`) are served by the same HTTP server as the API, but they are not AWS
// operations and not `/_ddlocal/` endpoints: browsers ask for them without SigV4 signatures, so the pages authenticate
// their own way (docs/dashboard.md). These types are the whole contract between the protocol layer, which only routes
// and sends, and the ui layer, which answers.

export interface PageRequest {
  method: string;
  /** The path as sent, e.g. `/ui/123456789012/us-east-1/audits/0123…`. */
  path: string;
  query: URLSearchParams;
  /** Request headers, lower-case names, each header's values joined as Node joins them. */
  headers: Readonly<Record<string, string | undefined>>;
  body: Buffer;
  requestId: string;
  /** The client's address. */
  sourceIp?: string;
}

/**
 * A Server-Sent Events answer: `run` writes events with `send` until it returns or `signal` aborts (the client went
 * away, or the server is shutting down). The protocol layer writes the headers, frames each event and ends the answer.
 */
export interface EventStream {
  run(send: (event: string, data: unknown) => void, signal: AbortSignal): Promise<void>;
}

export interface PageResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: string | Buffer;
  /** Instead of `body`: a stream of events (`Content-Type: text/event-stream`). */
  events?: EventStream;
}

export interface Pages {
  /** Whether a method and path belong to the dashboard (checked before the body is read). */
  serves(method: string, path: string): boolean;
  /** Answers a request; never throws for anything the client did (errors are pages too). */
  answer(req: PageRequest): Promise<PageResponse>;
}
