/** The part of highlight.js's API that highlight.ts uses. */
export interface HighlightApi {
  highlight(code: string, options: { language: string; ignoreIllegals?: boolean }): { value: string };
  getLanguage(name: string): object | undefined;
  listLanguages(): string[];
}
declare const hljs: HighlightApi;
export default hljs;
