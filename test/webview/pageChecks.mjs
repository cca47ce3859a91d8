// Checks the panel tests run on a page: what plotly drew, and whether a user string got into the DOM as markup.

/** SVG marks plotly drew in a plot: bars, waterfall steps, scatter markers, lines, error bars; and any canvas. */
export const marks = (page, sel) =>
  page.$eval(sel, (gd) => ({
    bars: gd.querySelectorAll('.barlayer .point').length,
    waterfall: gd.querySelectorAll('.waterfalllayer .point').length,
    points: gd.querySelectorAll('.scatterlayer .points .point').length,
    lines: gd.querySelectorAll('.scatterlayer .js-line').length,
    errorbars: gd.querySelectorAll('.errorbar').length,
    canvas: gd.querySelectorAll('canvas').length,
  }));

/** No element carries an event handler attribute or a javascript: URL; no element came from a user string. */
export const injected = (page) =>
  page.evaluate(() => {
    const bad = [];
    for (const e of document.querySelectorAll('*'))
      for (const a of e.attributes) {
        if (/^on/i.test(a.name)) bad.push(`${e.tagName}[${a.name}]`);
        if (/^\s*javascript:/i.test(a.value)) bad.push(`${e.tagName}[${a.name}]`);
      }
    for (const e of document.querySelectorAll('img, iframe, object, embed')) bad.push(e.outerHTML.slice(0, 80));
    // The stand-in host's own boot script carries the page's nonce; anything else inline was injected.
    for (const s of [...document.scripts].filter((x) => !x.src && !x.nonce)) bad.push(`inline script ${s.textContent.slice(0, 40)}`);
    return bad;
  });
