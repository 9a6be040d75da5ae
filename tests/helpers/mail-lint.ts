// A header lint for every message we send: what mailbox providers and RFC 5322/2047/8058 require.

export function unfoldedHeaders(raw: string): { name: string; value: string; lines: string[] }[] {
  const head = raw.slice(0, raw.indexOf('\r\n\r\n'));
  const out: { name: string; value: string; lines: string[] }[] = [];
  for (const line of head.split('\r\n')) {
    if (/^[ \t]/.test(line) && out.length > 0) {
      const last = out[out.length - 1];
      if (last) {
        last.value += line;
        last.lines.push(line);
      }
    } else {
      const colon = line.indexOf(':');
      out.push({ name: line.slice(0, colon), value: line.slice(colon + 1).trim(), lines: [line] });
    }
  }
  return out;
}

/** Problems found, empty when the message is fine. `raw` is the message as sent (latin1 view of bytes). */
export function lintMessage(raw: string, options: { bulk: boolean }): string[] {
  const problems: string[] = [];
  if (!raw.includes('\r\n\r\n')) return ['no blank line between headers and body'];
  for (const [i, line] of raw.split('\r\n').entries()) {
    if (Buffer.byteLength(line, 'latin1') > 998) problems.push(`line ${i + 1} is over 998 octets`);
  }
  if (/[^\r]\n|\r[^\n]/.test(raw)) problems.push('bare CR or LF');
  const headers = unfoldedHeaders(raw);
  const get = (name: string) => headers.filter((h) => h.name.toLowerCase() === name.toLowerCase());
  for (const required of ['From', 'To', 'Subject', 'Date', 'Message-ID', 'MIME-Version']) {
    if (get(required).length !== 1) problems.push(`needs exactly one ${required} header`);
  }
  for (const h of headers) {
    if (/[^\x20-\x7e\t]/.test(h.value)) problems.push(`${h.name} has raw non-ASCII or control characters`);
    for (const line of h.lines)
      if (line.length > 78 && !/^List-Unsubscribe:/.test(line))
        problems.push(`${h.name} line over 78 characters`);
    for (const word of h.value.match(/=\?[^?]+\?[QqBb]\?[^?]*\?=/g) ?? []) {
      if (word.length > 75) problems.push(`${h.name}: encoded word over 75 characters`);
      if (!decodesAlone(word)) problems.push(`${h.name}: encoded word splits a character`);
    }
  }
  if (get('Message-ID')[0]?.value.match(/^<[^<>@\s]+@[^<>@\s]+>$/) === null)
    problems.push('Message-ID is not <id@domain>');
  if (options.bulk) {
    const unsubscribe = get('List-Unsubscribe')[0]?.value ?? '';
    if (!/^<https:\/\/[^<>\s]+>$/.test(unsubscribe))
      problems.push('List-Unsubscribe must be one https URI in angle brackets');
    if (get('List-Unsubscribe-Post')[0]?.value !== 'List-Unsubscribe=One-Click') {
      problems.push('List-Unsubscribe-Post must be "List-Unsubscribe=One-Click"');
    }
  }
  if (!/Content-Type: text\/plain/i.test(raw)) problems.push('no text/plain part');
  return problems;
}

/** An RFC 2047 word must decode to whole UTF-8 characters on its own. */
function decodesAlone(word: string): boolean {
  const [, , encoding = '', text = ''] = /^=\?([^?]+)\?([QqBb])\?(.*)\?=$/.exec(word) ?? [];
  const bytes =
    encoding.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64')
      : Buffer.from(
          text
            .replace(/_/g, ' ')
            .replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
          'latin1',
        );
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}
