// What README snippets use without defining: the reader's own code and values made in an earlier
// snippet of the same page, stood in for by declarations so that every snippet type-checks against
// the real packages.
import type { IpcClient } from '@redis-ipc/core';
import type { WriteQueue } from '@redis-ipc/queue';

declare global {
  interface Report {
    readonly month: string;
    readonly total: number;
  }
  interface Order {
    readonly id: number;
    readonly total: number;
  }
  interface Job {
    readonly id: number;
  }
  interface User {
    readonly id: string;
    readonly name: string;
  }
  interface Session {
    readonly user: string;
  }
  interface Rates {
    readonly [currency: string]: number;
  }
  interface Email {
    readonly to: string;
    readonly subject: string;
  }
  interface Msg {
    readonly text: string;
  }
  function sendMail(to: unknown, options?: { signal?: AbortSignal }): Promise<void>;
  function sendEmail(email: Email): Promise<void>;
  function send(email: Email): Promise<void>;
  function loadRates(): Promise<Rates>;
  function buildReport(month: string): Promise<Report>;
  function loadCursor(): Promise<string | undefined>;
  function saveCursor(cursor: string | undefined): Promise<void>;
  function handle(value: unknown): void;
  function run(job: Job): Promise<void>;
  function runJob(job: Job): Promise<void>;
  let savedCursor: string | undefined;
  const nextReport: Report;
  const job: Job;
  const user: User;
  const order: Order;
  const email: Email;
  const ipc: IpcClient;
  const outbox: WriteQueue<Email>;
}
