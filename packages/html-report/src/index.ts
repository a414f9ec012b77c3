export type { HtmlAlert, HtmlObjective, HtmlPage, HtmlPoint } from './types';
export { renderHtml, CHECK_FAILED, CHECK_OK } from './page';
export { duration } from './format';
