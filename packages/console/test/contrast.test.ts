// The stylesheet's text colours against the backgrounds they are drawn on,
// at WCAG AA (4.5:1): a rule that sets both is checked as a pair; a rule that
// sets only a text colour is checked on every light background of the
// stylesheet (the page, the surfaces, hovered and selected rows), or on the
// dark top bar for the top bar's own text; and the few pairs made by two
// classes together (a danger button, muted text inside a notice).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { blend, contrastRatio, cssRules, hexColour, relativeLuminance } from './fixtures/contrast.ts';

const AA_TEXT = 4.5;
const rules = cssRules(readFileSync(new URL('../src/styles.css', import.meta.url), 'utf8'));
const colourOf = (selector: string, property: string) => {
  const colour = hexColour(rules.find((rule) => rule.selector === selector)?.declarations.get(property));
  assert.ok(colour !== undefined, `${selector} has a hex ${property}`);
  return colour;
};
const textColour = (rule: (typeof rules)[number]) => hexColour(rule.declarations.get('color') ?? rule.declarations.get('fill'));
const isTopBar = (selector: string) => /^\.(topbar|who|brand|menu-button)/.test(selector);
/** Whether a rule's text is drawn on a graphic, not text (the chart's bars). */
const isGraphic = (selector: string) => selector === '.chart-bar';

describe('the stylesheet\'s contrast', () => {
  it('computes WCAG ratios as the standard\'s examples give them', () => {
    assert.equal(contrastRatio([0, 0, 0], [255, 255, 255]), 21);
    assert.equal(contrastRatio([119, 119, 119], [255, 255, 255]).toFixed(2), '4.48', '#777 on white just fails AA');
    assert.equal(relativeLuminance([255, 255, 255]), 1);
    assert.deepEqual(blend([0, 0, 0], [255, 255, 255], 0.5), [128, 128, 128]);
  });

  it('reads the stylesheet\'s colours, custom properties resolved', () => {
    assert.ok(rules.length > 50);
    assert.deepEqual(colourOf('.button', 'color'), [255, 255, 255]);
    assert.deepEqual(colourOf('.button', 'background'), colourOf(':root', '--primary'));
  });

  const lightBackgrounds = rules.flatMap((rule) => {
    const colour = hexColour(rule.declarations.get('background'));
    return colour !== undefined && relativeLuminance(colour) > 0.5 ? [{ selector: rule.selector, colour }] : [];
  });
  const topBar = colourOf('.topbar', 'background');

  it('gives every text colour set beside its background 4.5:1 on it', () => {
    const pairs = rules.filter((rule) => textColour(rule) !== undefined && hexColour(rule.declarations.get('background')) !== undefined && !isGraphic(rule.selector));
    assert.ok(pairs.length >= 10, `${pairs.length} pairs`);
    for (const rule of pairs) {
      const ratio = contrastRatio(textColour(rule)!, hexColour(rule.declarations.get('background'))!);
      assert.ok(ratio >= AA_TEXT, `${rule.selector}: ${ratio.toFixed(2)}:1`);
    }
  });

  it('gives every text colour set alone 4.5:1 on each background it can be drawn on', () => {
    assert.ok(lightBackgrounds.length >= 5, lightBackgrounds.map((background) => background.selector).join(', '));
    const alone = rules.filter((rule) => textColour(rule) !== undefined && rule.declarations.get('background') === undefined && !isGraphic(rule.selector) && rule.selector !== ':root');
    assert.ok(alone.length >= 8, `${alone.length} rules`);
    for (const rule of alone) {
      const backgrounds = isTopBar(rule.selector) ? [{ selector: '.topbar', colour: topBar }] : lightBackgrounds.filter((background) => !background.selector.startsWith('.badge') && !background.selector.startsWith('.notice') && !background.selector.startsWith('.diff'));
      for (const background of backgrounds) {
        const ratio = contrastRatio(textColour(rule)!, background.colour);
        assert.ok(ratio >= AA_TEXT, `${rule.selector} on ${background.selector}: ${ratio.toFixed(2)}:1`);
      }
    }
  });

  it('keeps the pairs two classes make together at 4.5:1: a danger button, the top bar\'s quiet button, muted text in a notice', () => {
    assert.ok(contrastRatio(colourOf('.button', 'color'), colourOf('.button-danger', 'background')) >= AA_TEXT, '.button.button-danger');
    assert.ok(contrastRatio(colourOf('.topbar .button-quiet', 'color'), topBar) >= AA_TEXT, '.topbar .button-quiet');
    for (const notice of ['.notice-info', '.notice-error', '.notice-ok']) {
      const background = colourOf(notice, 'background');
      // `.notice .muted` inherits the notice's colour at opacity 0.85.
      const opacity = Number(rules.find((rule) => rule.selector === '.notice .muted')?.declarations.get('opacity'));
      assert.ok(opacity > 0 && opacity <= 1);
      const ratio = contrastRatio(blend(colourOf(notice, 'color'), background, opacity), background);
      assert.ok(ratio >= AA_TEXT, `.notice .muted in ${notice}: ${ratio.toFixed(2)}:1`);
    }
  });
});
