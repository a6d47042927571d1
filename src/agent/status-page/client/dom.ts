/*
 * The only way the page makes elements: text goes in as text nodes, never as
 * markup, so a route named `<script>` shows as those characters. No
 * innerHTML, insertAdjacentHTML or attribute built from data lives here.
 */

export type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Readonly<Record<string, string>> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  append(element, children);
  return element;
}

export function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** Replaces what an element holds. */
export function fill(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** A definition list from label/value pairs; pairs with no value are left out. */
export function definitions(list: Element, pairs: ReadonlyArray<readonly [string, Child]>): void {
  fill(list, ...pairs.filter(([, value]) => value !== undefined && value !== null && value !== '').flatMap(([label, value]) => [h('dt', {}, label), h('dd', {}, value)]));
}
