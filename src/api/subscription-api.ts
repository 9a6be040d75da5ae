// The subscription endpoints as plain request → response, so the Lambda (API Gateway) and the local dev
// server share every rule: routes, size and type checks, and the pages people see. It drives the pipeline,
// as the CLI and the functions do, so it lives beside them and not among the adapters the pipeline drives.
import { DELIVERIES, type Delivery } from '../core/delivery.js';
import { unsubscribeUrl } from '../core/email.js';
import { html } from '../core/html.js';
import { pageContext } from '../core/layout.js';
import { messagePage } from '../core/pages.js';
import { describeDelivery, describeMoment } from '../core/weekly-schedule.js';
import {
  type ConfirmOutcome,
  confirm,
  type PreferencesOutcome,
  previewConfirmation,
  readPreferences,
  type SubscriptionDeps,
  savePreferences,
  subscribe,
  unsubscribe,
} from '../pipeline/subscriptions.js';
import { describeTopics, topicChoice, topicsField } from './topic-choice.js';

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
  return { status, headers: HTML_HEADERS, body: messagePage(pageContext(deps.site), title, main) };
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

/** The two choices, as radio buttons (no script needed). */
function deliveryChoice(deps: SubscriptionDeps, current: Delivery) {
  const options = DELIVERIES.map(
    (delivery) =>
      html`<label><input type="radio" name="delivery" value="${delivery}"${delivery === current ? html` checked` : ''}> ${describeDelivery(deps.site, delivery)}</label><br>`,
  );
  return html`<fieldset><legend>How often would you like email?</legend>
${options}
</fieldset>`;
}

/** The `delivery` form field; `fallback` when it is absent (an old form), undefined when it is bad. */
function deliveryField(request: ApiRequest, fallback?: Delivery): Delivery | undefined {
  const value = formFields(request)?.get('delivery') ?? fallback;
  return DELIVERIES.find((d) => d === value);
}

export async function handleSubscriptionRequest(
  deps: SubscriptionDeps,
  request: ApiRequest,
  now: Date,
): Promise<ApiResponse> {
  const home = html`<p><a href="${deps.site.baseUrl}/">Back to ${deps.site.title}</a></p>`;
  const askAgain = html`<p>Enter your address in the form below to get a new link.</p>${home}`;
  const confirmProblem = (outcome: Exclude<ConfirmOutcome, { kind: 'confirmed' }>) => {
    if (outcome.kind === 'already-confirmed') {
      return page(
        deps,
        200,
        'Already confirmed',
        html`<p>This subscription was confirmed before; nothing changed. To change how often you get email, use the link at the bottom of any email from us.</p>${home}`,
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
  };
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
      // A page with the choice of delivery, not an action: link scanners fetch URLs from emails.
      const check = await previewConfirmation(deps, token, now);
      if (check.kind === 'pending') {
        return page(
          deps,
          200,
          'Confirm your subscription',
          html`<form method="post" action="${deps.site.apiUrl}/confirm?token=${token}">
<p>New articles from ${deps.site.title} will go to ${check.address}.</p>
${deliveryChoice(deps, 'instant')}
<button class="action" type="submit">Confirm subscription</button>
</form>`,
        );
      }
      return confirmProblem(check);
    }
    case 'POST /confirm': {
      const delivery = deliveryField(request, 'instant');
      if (!delivery) return plain(400, 'The form needs "delivery" to be "instant" or "weekly".');
      const outcome = await confirm(deps, token, delivery, now);
      if (outcome.kind !== 'confirmed') return confirmProblem(outcome);
      return page(
        deps,
        200,
        'You are subscribed',
        html`<p role="status">${outcome.address} is subscribed and will get: ${describeDelivery(deps.site, outcome.delivery)}.</p>
<p>Every email has a link to change how often, and one to unsubscribe.</p>${home}`,
      );
    }
    case 'GET /preferences':
    case 'POST /preferences': {
      let outcome: PreferencesOutcome;
      if (route === 'POST /preferences') {
        const delivery = deliveryField(request);
        if (!delivery) return plain(400, 'The form needs "delivery" to be "instant" or "weekly".');
        outcome = await savePreferences(
          deps,
          token,
          delivery,
          now,
          topicsField(formFields(request), deps.site),
        );
      } else {
        outcome = await readPreferences(deps, token, now);
      }
      if (outcome.kind === 'refused') {
        return page(
          deps,
          400,
          'Link not valid',
          html`<p class="error" role="alert">This link is not valid${outcome.reason === 'expired' ? ' any more' : ''}. Nothing was changed; the link in a newer email will work.</p>${home}`,
        );
      }
      if (outcome.kind === 'not-subscribed') {
        return page(
          deps,
          404,
          'Not subscribed',
          html`<p role="status">${outcome.address} is not subscribed to ${deps.site.title}. Subscribe again with the form below.</p>`,
        );
      }
      const saved = route === 'POST /preferences';
      const when =
        outcome.fromMs > now.getTime()
          ? html` from ${describeMoment(deps.site, outcome.fromMs)} on; until then this week's articles come as before`
          : '';
      return page(
        deps,
        200,
        saved ? 'Preferences saved' : 'How often',
        html`<p role="status">${outcome.address} receives: ${describeDelivery(deps.site, outcome.delivery)}${when}${deps.site.topics.length > 0 ? `; ${describeTopics(deps.site, outcome.topics)}` : ''}.</p>
<form method="post" action="${deps.site.apiUrl}/preferences?token=${token}">
${deliveryChoice(deps, outcome.delivery)}
${topicChoice(deps.site, outcome.topics)}
<button class="action" type="submit">Save</button>
</form>
<p><a href="${unsubscribeUrl(deps.site, outcome.address, deps.secret, now.getTime())}">Unsubscribe instead</a></p>`,
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
      if (['/subscribe', '/confirm', '/preferences', '/unsubscribe'].includes(request.path))
        return plain(405, 'Method not allowed.');
      return plain(404, 'Not found.');
  }
}
