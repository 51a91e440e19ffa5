// Who is asking: every resource of ddlocal belongs to one account and region, and every request, task and check
// works inside one. A structural type, so the request context, an audit task and a mitigation claim all qualify.
export interface AccountScope {
  accountId: string;
  region: string;
}
