const formatters = new Map<string, Intl.DateTimeFormat>();
const formatted = new Map<string, string>();

/**
 * "March 1, 2026" in the site's language, for the calendar date the article was written with (the date
 * part of its ISO string, which is already in the article's own offset).
 */
export function displayDate(iso: string, language: string): string {
  const key = `${language}|${iso.slice(0, 10)}`;
  const known = formatted.get(key);
  if (known !== undefined) return known;
  let format = formatters.get(language);
  if (!format) {
    format = new Intl.DateTimeFormat(language, { dateStyle: 'long', timeZone: 'UTC' });
    formatters.set(language, format);
  }
  const [year, month, day] = iso.slice(0, 10).split('-').map(Number);
  // Not Date.UTC, which reads a year below 100 as 19xx.
  const text = format.format(new Date(0).setUTCFullYear(year ?? 1970, (month ?? 1) - 1, day ?? 1));
  formatted.set(key, text);
  return text;
}
