// The subscription endpoints as plain request → response, so the Lambda (API Gateway) and the local dev
// server share every rule: routes, size and type checks, and the pages people see.
import { html } from '../../core/html.js';
import { messagePage } from '../../core/pages.js';
import { SiteFiles } from '../../core/site-build.js';
import { confirm, type SubscriptionDeps, subscribe, unsubscribe } from '../../pipeline/subscriptions.js';

export interface ApiRequest {
  readonly method: string;
  /** Path after the API's base, e.g. '/subscribe'. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly contentType: string;
  readonly body: string;
  /** Who is asking (source IP), for the per-client rate limit. */
  readonly client: string;
}

export interface ApiResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export const MAX_BODY_BYTES = 4096;

const HTML_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

function page(
  deps: SubscriptionDeps,
  status: number,
  title: string,
  main: ReturnType<typeof html>,
): ApiResponse {
  return { status, headers: HTML_HEADERS, body: messagePage(new SiteFiles(deps.site).ctx, title, main) };
}

function plain(status: number, text: string, extra: Record<string, string> = {}): ApiResponse {
  return {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...extra },
    body: `${text}\n`,
  };
}

function formFields(request: ApiRequest): URLSearchParams | undefined {
  const type = request.contentType.split(';')[0]?.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') return new URLSearchParams(request.body);
  if (type === 'application/json') {
    try {
      const data = JSON.parse(request.body) as unknown;
      if (data === null || typeof data !== 'object' || Array.isArray(data)) return undefined;
      const fields = new URLSearchParams();
      for (const [k, v] of Object.entries(data)) if (typeof v === 'string') fields.set(k, v);
      return fields;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export async function handleSubscriptionRequest(
  deps: SubscriptionDeps,
  request: ApiRequest,
  now: Date,
): Promise<ApiResponse> {
  const home = html`<p><a href="${deps.site.baseUrl}/">Back to ${deps.site.title}</a></p>`;
  const askAgain = html`<p>Enter your address in the form below to get a new link.</p>${home}`;
  if (Buffer.byteLength(request.body) > MAX_BODY_BYTES) return plain(413, 'Request body too large.');
  const route = `${request.method.toUpperCase()} ${request.path.replace(/\/+$/, '') || '/'}`;
  const token = request.query.get('token') ?? '';

  switch (route) {
    case 'POST /subscribe': {
      const fields = formFields(request);
      if (!fields) return plain(415, 'Send the form as application/x-www-form-urlencoded or JSON.');
      const email = fields.get('email');
      if (email === null) return plain(400, 'The form needs an "email" field.');
      const outcome = await subscribe(
        deps,
        { email, honeypot: fields.get('website') ?? '', client: request.client },
        now,
      );
      if (outcome.kind === 'invalid') {
        return page(
          deps,
          400,
          'That address did not work',
          html`<p class="error" role="alert">${outcome.reason}</p>${askAgain}`,
        );
      }
      return page(
        deps,
        200,
        'Check your inbox',
        html`<p role="status">If that address can receive email, a message with a confirmation link is on its way. Click the link to start receiving new articles.</p>${home}`,
      );
    }
    case 'GET /confirm': {
      const outcome = await confirm(deps, token, now);
      if (outcome.kind === 'confirmed') {
        return page(
          deps,
          200,
          'You are subscribed',
          html`<p role="status">New articles will arrive at ${outcome.address}.</p>${home}`,
        );
      }
      if (outcome.kind === 'already-confirmed') {
        return page(
          deps,
          200,
          'Already confirmed',
          html`<p>This subscription was confirmed before; nothing changed.</p>${home}`,
        );
      }
      const why =
        outcome.reason === 'expired'
          ? 'This confirmation link has expired.'
          : outcome.reason === 'superseded'
            ? 'This confirmation link was replaced by a newer one, or already used.'
            : 'This confirmation link is not valid.';
      return page(
        deps,
        400,
        'Link not valid',
        html`<p class="error" role="alert">${why} Nothing was changed.</p>${askAgain}`,
      );
    }
    case 'GET /unsubscribe': {
      // A page, not an action: link scanners fetch URLs, and must not unsubscribe anyone.
      return page(
        deps,
        200,
        'Unsubscribe',
        html`<form method="post" action="${deps.site.apiUrl}/unsubscribe?token=${token}"><p>Stop receiving new articles from ${deps.site.title}?</p><button class="action" type="submit">Unsubscribe</button></form>`,
      );
    }
    case 'POST /unsubscribe': {
      const outcome = await unsubscribe(deps, token, now);
      // RFC 8058: the mailbox provider POSTs "List-Unsubscribe=One-Click" and only reads the status.
      const oneClick = request.body.trim() === 'List-Unsubscribe=One-Click';
      if (outcome.kind === 'refused') {
        return oneClick
          ? plain(400, 'Invalid unsubscribe link.')
          : page(
              deps,
              400,
              'Link not valid',
              html`<p class="error" role="alert">This unsubscribe link is not valid. Nothing was changed.</p>${home}`,
            );
      }
      return oneClick
        ? plain(200, 'Unsubscribed.')
        : page(
            deps,
            200,
            'Unsubscribed',
            html`<p role="status">${outcome.address} will receive no more email from ${deps.site.title}.</p>${home}`,
          );
    }
    default:
      if (['/subscribe', '/confirm', '/unsubscribe'].includes(request.path))
        return plain(405, 'Method not allowed.');
      return plain(404, 'Not found.');
  }
}
