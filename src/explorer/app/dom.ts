/**
 * Building the page from chain data without ever parsing it as HTML: every value becomes a
 * text node (or an attribute set through the DOM), so a participant named `<img onerror=…>`
 * or event data holding `<script>` is shown as the characters it is.
 */
type Child = Node | string | number | null | undefined | false

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value)
  append(element, ...children)
  return element
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child)
  }
}

/** A link inside the explorer (hash routes, so the server serves one page). */
export function link(route: string, label: string): HTMLAnchorElement {
  return el('a', { href: `#/${route}` }, label)
}

/** A two-column table of a record's fields. */
export function fields(rows: readonly [string, Child][]): HTMLTableElement {
  return el('table', { class: 'fields' }, ...rows.map(([name, value]) => el('tr', {}, el('th', {}, name), el('td', {}, value))))
}

/** A table with a header row. */
export function table(headers: readonly string[], rows: readonly Child[][], attributes: Record<string, string> = {}): HTMLTableElement {
  return el(
    'table',
    attributes,
    el('thead', {}, el('tr', {}, ...headers.map((header) => el('th', {}, header)))),
    el('tbody', {}, ...rows.map((row) => el('tr', {}, ...row.map((cell) => el('td', {}, cell))))),
  )
}

/** JSON shown as text (contract results, event data), pretty-printed. */
export function json(value: unknown): HTMLPreElement {
  return el('pre', { class: 'json' }, JSON.stringify(value, null, 2))
}

export const short = (hash: string): string => (hash.length > 20 ? `${hash.slice(0, 10)}…${hash.slice(-8)}` : hash)
