// Messages between the Lambda runtime (parent) and a function instance (child process), over Node's IPC.
import type { SdkCall } from './iam-requests.js';

export interface ErrorShape {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

export type ParentMessage =
  | {
      type: 'invoke';
      id: string;
      event: unknown;
      deadlineMs: number;
      requestId: string;
      clockOffsetMs: number;
    }
  | { type: 'authorized'; id: string; allowed: boolean; message?: string };

export type WorkerMessage =
  | { type: 'ready'; error?: ErrorShape }
  | { type: 'result'; id: string; ok: true; value: unknown }
  | { type: 'result'; id: string; ok: false; error: ErrorShape }
  | { type: 'authorize'; id: string; call: SdkCall }
  | { type: 'log'; stream: 'stdout' | 'stderr'; line: string };
