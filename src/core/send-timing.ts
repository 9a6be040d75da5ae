/**
 * Senders that may run at once: the maximum concurrency of the send queue's event source mapping (2 is
 * the least AWS allows). The stack passes it to each sender as SEND_CONCURRENCY, and each sender paces
 * itself at the account's rate divided by it, so all of them together stay within the account's rate.
 */
export const SEND_CONCURRENCY = 2;
