// The subscription endpoints as plain request → response, so the Lambda (API Gateway) and the local dev
// server share every rule: routes, size and type checks, and the pages people see. It drives the pipeline,
// as the CLI and the functions do, so it lives beside them and not among the adapters the pipeline drives.
import { DELIVERIES, type Delivery } from '../core/delivery.js';
import { unsubscribeUrl } from '../core/email.js';
import { pageContext, STABLE_STYLESHEET } from '../core/layout.js';
import { type PageContext, subscriptionPage } from '../core/pages.js';
import { type SiteConfig, sitePath } from '../core/site.js';
import { deliveryText, type Theme } from '../core/theme.js';
import { describeMoment } from '../core/weekly-schedule.js';
import {
  type ConfirmOutcome,
  confirm,
  type PreferencesOutcome,
  previewConfirmation,
  readPreferences,
  type SubscriptionDeps,
  savePreferences,
  subscribe,
  subscriptionTheme,
  unsubscribe,
  unsubscribeLinkProblem,
} from '../pipeline/subscriptions.js';
import { describeTopics, topicChoices, topicsField } from './topic-choice.js';

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

/** A page of the subscription API: one of the theme's subscription/ templates in the site's layout. */
function page(
  ctx: PageContext,
  status: number,
  template: 'message' | 'confirm' | 'preferences' | 'unsubscribe',
  titleKey: string,
  vars: Record<string, unknown>,
): ApiResponse {
  return {
    status,
    headers: HTML_HEADERS,
    body: subscriptionPage(ctx, template, ctx.theme.t(titleKey), vars),
  };
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
      // A list of text is a field given several times, as a form sends the topics ticked: {"topic": ["a", "b"]}.
      for (const [k, v] of Object.entries(data)) {
        if (typeof v === 'string') fields.set(k, v);
        else if (Array.isArray(v)) for (const item of v) if (typeof item === 'string') fields.append(k, item);
      }
      return fields;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * Why an address was refused, in the site's language: src/core/subscribers.ts words each reason in English
 * for the CLI; the page says the same from the locale (keys address.*), with the limit it names.
 */
const ADDRESS_REASONS: readonly [RegExp, string][] = [
  [/^Enter an email address/, 'address.empty'],
  [/line breaks or control characters/, 'address.control'],
  [/^That address is too long/, 'address.too_long'],
  [/^The part before the @ is too long/, 'address.local_too_long'],
  [/^A part of the domain is too long/, 'address.label_too_long'],
  [/does not look like an email address/, 'address.invalid'],
];

function addressReason(ctx: PageContext, reason: string): string {
  const known = ADDRESS_REASONS.find(([pattern]) => pattern.test(reason));
  const max = /\d+/.exec(reason)?.[0];
  return known ? ctx.theme.t(known[1], { max }) : ctx.theme.t('api.bad_address.text');
}

/** The two choices, as radio buttons (no script needed). */
function deliveryChoices(ctx: PageContext, current: Delivery) {
  return DELIVERIES.map((delivery) => ({
    value: delivery,
    label: deliveryText(ctx.site, ctx.theme, delivery),
    checked: delivery === current,
  }));
}

/** The `delivery` form field; `fallback` when it is absent (an old form), undefined when it is bad. */
function deliveryField(request: ApiRequest, fallback?: Delivery): Delivery | undefined {
  const value = formFields(request)?.get('delivery') ?? fallback;
  return DELIVERIES.find((d) => d === value);
}

/**
 * Every page this API shows, rendered with the site's theme and dropped: for `check`, so a subscription
 * template that fails only as it renders is found before a reader meets it on confirming or unsubscribing.
 * Each template is given the variables its routes give it, with the optional ones both set and unset.
 * Throws what the theme throws (ThemeLoadError, a ContentError naming the template).
 */
export function rehearseSubscriptionPages(site: SiteConfig, theme: Theme, secret: string, now: Date): void {
  const ctx = { ...pageContext(site, theme), stylesheet: `${sitePath(site)}/${STABLE_STYLESHEET}` };
  const t = (key: string, values?: Record<string, unknown>) => theme.t(key, values);
  const address = site.sender.address;
  const action = (route: string) => `${site.apiUrl}/${route}?token=rehearsal`;
  page(ctx, 200, 'message', 'api.check_inbox.title', { message: t('api.check_inbox.text') });
  page(ctx, 400, 'message', 'api.bad_address.title', {
    message: t('api.bad_address.text'),
    note: t('api.subscribed.note'),
    alert: true,
    ask_again: true,
    home: true,
  });
  page(ctx, 200, 'confirm', 'api.confirm.title', {
    action: action('confirm'),
    address,
    choices: deliveryChoices(ctx, 'instant'),
  });
  for (const topics of [undefined, site.topics.slice(0, 1).map((topic) => topic.slug)]) {
    page(ctx, 200, 'preferences', 'api.preferences.title', {
      message: t('api.preferences.receives', { address, delivery: deliveryText(site, theme, 'weekly') }),
      action: action('preferences'),
      choices: deliveryChoices(ctx, 'weekly'),
      topics: topicChoices(site, topics),
      topics_note: site.topics.length > 0 ? describeTopics(site, theme, topics) : '',
      unsubscribe_url: unsubscribeUrl(site, address, secret, now.getTime()),
    });
  }
  page(ctx, 200, 'unsubscribe', 'api.unsubscribe.title', { action: action('unsubscribe') });
}

export async function handleSubscriptionRequest(
  deps: SubscriptionDeps,
  request: ApiRequest,
  now: Date,
): Promise<ApiResponse> {
  // Linked by its fixed name: the site may ship its own stylesheet, whose fingerprint this function cannot know.
  const base = pageContext(deps.site, subscriptionTheme(deps), deps.nav);
  const ctx = { ...base, stylesheet: `${sitePath(deps.site)}/${STABLE_STYLESHEET}` };
  const { site, theme } = ctx;
  const t = (key: string, values?: Record<string, unknown>) => theme.t(key, values);
  const message = (status: number, titleKey: string, vars: Record<string, unknown>) =>
    page(ctx, status, 'message', titleKey, vars);
  const confirmProblem = (outcome: Exclude<ConfirmOutcome, { kind: 'confirmed' }>) => {
    if (outcome.kind === 'already-confirmed') {
      return message(200, 'api.already_confirmed.title', {
        message: t('api.already_confirmed.text'),
        home: true,
      });
    }
    return message(400, 'api.link_invalid.title', {
      message: `${t(`api.confirm_link.${outcome.reason}`)} ${t('api.nothing_changed')}`,
      alert: true,
      ask_again: true,
      home: true,
    });
  };
  // Plain-text answers are for programs more than people, but a person may see them: in the site's language,
  // with the field names and values a program must send as they are.
  const deliveryValues = () =>
    t('api.error.field_values', { field: '"delivery"', values: DELIVERIES.map((d) => `"${d}"`).join(', ') });
  if (Buffer.byteLength(request.body) > MAX_BODY_BYTES) return plain(413, t('api.error.too_large'));
  const route = `${request.method.toUpperCase()} ${request.path.replace(/\/+$/, '') || '/'}`;
  const token = request.query.get('token') ?? '';

  switch (route) {
    case 'POST /subscribe': {
      const fields = formFields(request);
      if (!fields) {
        return plain(
          415,
          t('api.error.form_type', { types: 'application/x-www-form-urlencoded, application/json' }),
        );
      }
      const email = fields.get('email');
      if (email === null) return plain(400, t('api.error.missing_field', { field: '"email"' }));
      const outcome = await subscribe(
        deps,
        { email, honeypot: fields.get('website') ?? '', client: request.client },
        now,
      );
      if (outcome.kind === 'invalid') {
        return message(400, 'api.bad_address.title', {
          message: addressReason(ctx, outcome.reason),
          alert: true,
          ask_again: true,
          home: true,
        });
      }
      return message(200, 'api.check_inbox.title', { message: t('api.check_inbox.text'), home: true });
    }
    case 'GET /confirm': {
      // A page with the choice of delivery, not an action: link scanners fetch URLs from emails.
      const check = await previewConfirmation(deps, token, now);
      if (check.kind === 'pending') {
        return page(ctx, 200, 'confirm', 'api.confirm.title', {
          action: `${site.apiUrl}/confirm?token=${token}`,
          address: check.address,
          choices: deliveryChoices(ctx, 'instant'),
        });
      }
      return confirmProblem(check);
    }
    case 'POST /confirm': {
      const delivery = deliveryField(request, 'instant');
      if (!delivery) return plain(400, deliveryValues());
      const outcome = await confirm(deps, token, delivery, now);
      if (outcome.kind !== 'confirmed') return confirmProblem(outcome);
      const chosen = deliveryText(site, theme, outcome.delivery);
      return message(200, 'api.subscribed.title', {
        message:
          outcome.fromMs > now.getTime()
            ? t('api.preferences.receives_from', {
                address: outcome.address,
                delivery: chosen,
                moment: describeMoment(site, outcome.fromMs),
              })
            : t('api.subscribed.text', { address: outcome.address, delivery: chosen }),
        note: t('api.subscribed.note'),
        home: true,
      });
    }
    case 'GET /preferences':
    case 'POST /preferences': {
      let outcome: PreferencesOutcome;
      if (route === 'POST /preferences') {
        const delivery = deliveryField(request);
        if (!delivery) return plain(400, deliveryValues());
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
        return message(400, 'api.link_invalid.title', {
          message: t(outcome.reason === 'expired' ? 'api.preferences.expired' : 'api.preferences.invalid'),
          alert: true,
          home: true,
        });
      }
      if (outcome.kind === 'not-subscribed') {
        return message(404, 'api.not_subscribed.title', {
          message: t('api.not_subscribed.text', { address: outcome.address, site: site.title }),
        });
      }
      const saved = route === 'POST /preferences';
      const delivery = deliveryText(site, theme, outcome.delivery);
      return page(ctx, 200, 'preferences', saved ? 'api.preferences.saved_title' : 'api.preferences.title', {
        message:
          outcome.fromMs > now.getTime()
            ? t('api.preferences.receives_from', {
                address: outcome.address,
                delivery,
                moment: describeMoment(site, outcome.fromMs),
              })
            : t('api.preferences.receives', { address: outcome.address, delivery }),
        action: `${site.apiUrl}/preferences?token=${token}`,
        choices: deliveryChoices(ctx, outcome.delivery),
        topics: topicChoices(site, outcome.topics),
        topics_note: site.topics.length > 0 ? describeTopics(site, theme, outcome.topics) : '',
        unsubscribe_url: unsubscribeUrl(site, outcome.address, deps.secret, now.getTime()),
      });
    }
    case 'GET /unsubscribe': {
      // A page, not an action: link scanners fetch URLs, and must not unsubscribe anyone. A link that
      // would be refused says so now, not after its button is pressed.
      if (unsubscribeLinkProblem(deps, token, now) !== undefined) {
        return message(400, 'api.link_invalid.title', {
          message: t('api.unsubscribe.invalid'),
          alert: true,
          home: true,
        });
      }
      return page(ctx, 200, 'unsubscribe', 'api.unsubscribe.title', {
        action: `${site.apiUrl}/unsubscribe?token=${token}`,
      });
    }
    case 'POST /unsubscribe': {
      const outcome = await unsubscribe(deps, token, now);
      // RFC 8058: the mailbox provider POSTs "List-Unsubscribe=One-Click" and only reads the status.
      const oneClick = request.body.trim() === 'List-Unsubscribe=One-Click';
      if (outcome.kind === 'refused') {
        return oneClick
          ? plain(400, t('api.unsubscribe.invalid'))
          : message(400, 'api.link_invalid.title', {
              message: t('api.unsubscribe.invalid'),
              alert: true,
              home: true,
            });
      }
      return oneClick
        ? plain(200, t('api.unsubscribed.title'))
        : message(200, 'api.unsubscribed.title', {
            message: t('api.unsubscribed.text', { address: outcome.address, site: site.title }),
            home: true,
          });
    }
    default:
      if (['/subscribe', '/confirm', '/preferences', '/unsubscribe'].includes(request.path))
        return plain(405, t('api.error.method'));
      return plain(404, t('api.error.not_found'));
  }
}
