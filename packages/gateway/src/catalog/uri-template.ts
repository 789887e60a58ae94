// Matching a concrete resource URI against a backend's RFC 6570 template, so
// that `resources/read` of a templated URI finds the backend that can answer.
// Only the expression forms MCP servers use in practice are understood:
// {var}, {+var}, {#var}, {/var}, {?a,b}; anything else matches nothing.

const EXPRESSION = /\{([+#./;?&]?)([^}]*)\}/g;

function escapeLiteral(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Compiles a template to a RegExp once; `undefined` if the template has no usable form. */
export function compileUriTemplate(template: string): RegExp | undefined {
  let pattern = '^';
  let last = 0;
  for (const match of template.matchAll(EXPRESSION)) {
    pattern += escapeLiteral(template.slice(last, match.index));
    const operator = match[1];
    switch (operator) {
      case '':
        pattern += '[^/?#]*';
        break;
      case '+':
        pattern += '[^?#]*';
        break;
      case '#':
        pattern += '(?:#.*)?';
        break;
      case '/':
        pattern += '(?:/[^/?#]*)*';
        break;
      case '?':
      case '&':
        pattern += '(?:[?&][^#]*)?';
        break;
      default:
        return undefined;
    }
    last = match.index + match[0].length;
  }
  pattern += `${escapeLiteral(template.slice(last))}$`;
  try {
    return new RegExp(pattern);
  } catch {
    return undefined;
  }
}
