// What README snippets use without defining: the reader's own code, stood in for by declarations so
// that every snippet type-checks against the real packages.
interface Report {
  readonly month: string;
  readonly total: number;
}
interface Order {
  readonly id: number;
  readonly total: number;
}
interface Job {
  readonly id: string;
}
interface User {
  readonly name: string;
}
interface Session {
  readonly user: string;
}
interface Rates {
  readonly [currency: string]: number;
}
declare function sendMail(to: string): Promise<void>;
declare function loadRates(): Promise<Rates>;
declare function handle(value: unknown): void;
declare function run(job: Job): Promise<void>;
declare let savedCursor: string | undefined;
declare const nextReport: Report;
declare const job: Job;
declare const user: User;
declare const order: Order;
