// The `cloudfit report` page: draws the data block (scan, plan, inside) into the page. Every string from the
// data goes in as a text node or an attribute value, never as markup; nothing here makes a request.
(function () {
  'use strict';

  // ---- Layout: squarified treemap (Bruls, Huizing and van Wijk, "Squarified Treemaps", 2000) ----------------

  // Lays `values` out in the rectangle (x, y, w, h): one {x, y, w, h} per value, in the order given, each
  // with an area proportional to its value (zero and negative values get an empty rectangle). Rows are laid
  // along the shorter side, largest values first, and a row grows while that makes its worst aspect ratio
  // no worse.
  function squarify(values, x, y, w, h) {
    var out = values.map(function () { return { x: x, y: y, w: 0, h: 0 }; });
    var order = [];
    var total = 0;
    values.forEach(function (v, i) {
      if (v > 0) { order.push(i); total += v; }
    });
    if (!(total > 0) || !(w > 0) || !(h > 0)) return out;
    order.sort(function (a, b) { return values[b] - values[a] || a - b; });
    var scale = (w * h) / total;
    var i = 0;
    while (i < order.length) {
      var side = Math.min(w, h);
      var largest = values[order[i]] * scale;
      var end = i;
      var sum = 0;
      var worst = Infinity;
      while (end < order.length) {
        var area = values[order[end]] * scale;
        var s = sum + area;
        // The row is sorted, so its worst rectangle is its largest or the one just added.
        var next = Math.max((side * side * largest) / (s * s), (s * s) / (side * side * area));
        if (end > i && next > worst) break;
        sum = s;
        worst = next;
        end++;
      }
      var vertical = w >= h;
      // The last row takes what is left, so rounding never leaves a sliver uncovered.
      var thick = end === order.length ? (vertical ? w : h) : sum / side;
      var at = 0;
      for (var k = i; k < end; k++) {
        var len = k === end - 1 ? side - at : (values[order[k]] * scale) / thick;
        out[order[k]] = vertical
          ? { x: x, y: y + at, w: thick, h: len }
          : { x: x + at, y: y, w: len, h: thick };
        at += len;
      }
      if (vertical) { x += thick; w -= thick; } else { y += thick; h -= thick; }
      i = end;
    }
    return out;
  }
  window.cloudfitSquarify = squarify;

  // ---- Figures, as cloudfit's tables print them (Rust's humansize, DECIMAL) ---------------------------------

  // Rust's `{:.p}`: the exact decimal value, ties to even. JavaScript's toFixed rounds ties up; a double is a
  // tie at p places only if its fraction is an odd multiple of 2^-(p+1), which scaling by a power of two
  // tests exactly.
  function fixed(x, places) {
    var f = x - Math.floor(x);
    var t = f * Math.pow(2, places + 1);
    if (Number.isInteger(t) && t % 2 === 1) {
      var m = Math.pow(10, places);
      var n = Math.floor(x * m);
      return ((n % 2 === 0 ? n : n + 1) / m).toFixed(places);
    }
    return x.toFixed(places);
  }

  var UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];

  // 1234567 → "1.23 MB"; 1 GB = 10^9 bytes, as Apple counts.
  function size(bytes) {
    var v = bytes;
    var unit = 0;
    while (Math.abs(v) >= 1000 && unit < UNITS.length - 1) { v /= 1000; unit++; }
    var whole = Math.abs(v - Math.trunc(v)) <= Number.EPSILON;
    return fixed(v, whole ? 0 : 2) + ' ' + UNITS[unit];
  }

  // 1234567 → "1,234,567".
  function count(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  }

  function share(part, total) {
    if (!total) return '-';
    var pct = (part * 100) / total;
    if (part > 0 && pct < 0.05) return '<0.1%';
    return fixed(pct, 1) + '%';
  }

  function plural(n, one, many) {
    return count(n) + ' ' + (n === 1 ? one : many);
  }

  function day(rfc3339) {
    return typeof rfc3339 === 'string' ? rfc3339.slice(0, 10) : '';
  }

  function capitalized(s) {
    return s ? s.charAt(0).toUpperCase() + s.slice(1) : s;
  }

  // ---- DOM: text nodes only -------------------------------------------------------------------------------

  function append(parent, kids) {
    if (kids === null || kids === undefined) return parent;
    if (!Array.isArray(kids)) kids = [kids];
    kids.forEach(function (k) {
      if (k === null || k === undefined || k === false) return;
      // A nested list (", still short by " and its size) is its own kids.
      if (Array.isArray(k)) return append(parent, k);
      parent.appendChild(typeof k === 'object' ? k : document.createTextNode(String(k)));
    });
    return parent;
  }

  function el(tag, cls, kids) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    return append(e, kids);
  }

  // A size as people read it, with the exact bytes in its title and data-bytes (what the tests compare).
  function sized(bytes, figure) {
    var e = el('span', 'size', size(bytes));
    e.setAttribute('data-bytes', String(bytes));
    e.title = count(bytes) + ' bytes';
    if (figure) e.setAttribute('data-figure', figure);
    return e;
  }

  function table(cls, heads) {
    var t = el('table', cls);
    var row = el('tr');
    heads.forEach(function (head) {
      var name = head.replace(/^#/, '');
      row.appendChild(el('th', head === name ? null : 'num', name));
    });
    t.appendChild(el('thead', null, row));
    var body = el('tbody');
    t.appendChild(body);
    // A table wider than a narrow window scrolls by itself; the page never scrolls sideways.
    return { table: t, body: body, box: el('div', 'scroll', t) };
  }

  function td(kids, cls) {
    return el('td', cls, kids);
  }

  // ---- The data -------------------------------------------------------------------------------------------

  var data = JSON.parse(document.getElementById('cloudfit-data').textContent);
  var scan = data.scan || {};
  var backups = scan.backups || [];
  var inside = {};
  (data.inside || []).forEach(function (entry) { inside[entry.path] = entry; });
  var errorsAt = {};
  (scan.errors || []).forEach(function (e) {
    if (e.path !== null && e.path !== undefined) (errorsAt[e.path] = errorsAt[e.path] || []).push(e);
  });
  var backupPaths = {};
  backups.forEach(function (b) { backupPaths[b.path] = true; });

  function deviceName(b) {
    return b.display_name || b.device_name || b.id || b.path;
  }

  // ---- Header and the list of backups ---------------------------------------------------------------------

  function header() {
    var h = el('header', null, el('h1', null, 'What fills these backups'));
    var when = data.generated_at ? 'Made by cloudfit on ' + data.generated_at.replace('T', ' ').replace('Z', ' UTC') : 'Made by cloudfit';
    h.appendChild(el('p', 'meta', [
      when + ' · ' + plural(backups.length, 'backup', 'backups') +
        ' · sizes in decimal units as Apple shows them (1 GB = 1,000,000,000 bytes); hover for exact bytes'
    ]));
    // The plan's answer first; its options are below the backups.
    if (data.plan && data.plan.plan) {
      var more = el('a', null, 'The plan');
      more.href = '#plan';
      h.appendChild(el('p', 'verdict', [data.plan.plan.verdict + ' ', more]));
    }
    return h;
  }

  function stateWords(b) {
    var words = [b.state];
    if (b.archived) words.push('archived');
    if (b.encrypted) words.push(b.decrypted ? 'encrypted' : 'encrypted, locked');
    else if (errorsAt[b.path]) words.push('not read');
    return words.filter(Boolean).join(', ');
  }

  // The backup's size: its files as the manifest lists them, or what its folder occupies when they are unknown.
  function totalOf(b, figure) {
    if (b.bytes !== null && b.bytes !== undefined) return [sized(b.bytes, figure)];
    return [sized(b.disk_bytes, figure ? figure + '-disk' : null), ' on disk'];
  }

  function overview() {
    var s = el('section', 'overview', el('h2', null, 'Backups'));
    var t = table('backups', ['Device', 'Model', 'iOS', 'Last backup', '#Size', '#Files', 'State']);
    backups.forEach(function (b, i) {
      var link = el('a', null, deviceName(b));
      link.href = '#backup-' + i;
      var files = b.files !== null && b.files !== undefined ? count(b.files) : '';
      var last = b.last_backup ? day(b.last_backup) + (b.age_days !== null && b.age_days !== undefined ? ' (' + plural(b.age_days, 'day', 'days') + ' ago)' : '') : '';
      var row = el('tr', null, [
        td(link), td(b.product_name || b.product_type || ''), td(b.ios_version || ''), td(last),
        td(totalOf(b), 'num'), td(files, 'num'), td(stateWords(b))
      ]);
      row.setAttribute('data-path', b.path);
      t.body.appendChild(row);
    });
    s.appendChild(t.box);
    return s;
  }

  // ---- The plan -------------------------------------------------------------------------------------------

  var LOSS = { none: 'nothing', redownload: 'downloads again', 'user-data': 'data' };

  function planSection(doc) {
    var s = el('section', 'plan');
    s.id = 'plan';
    var plan = doc.plan;
    if (!plan) {
      s.appendChild(el('h2', null, 'Plan'));
      var why = (doc.errors || []).map(function (e) { return e.message; });
      s.appendChild(el('p', 'verdict', 'No plan could be made.'));
      why.forEach(function (m) { s.appendChild(el('p', 'reason', m)); });
      return s;
    }
    var device = plan.display_name || plan.device;
    s.appendChild(el('h2', null, 'Plan for ' + device));
    s.appendChild(el('p', 'verdict', plan.verdict));
    s.appendChild(el('p', 'facts', [
      'Your plan: ' + plan.tier_name + ' · other iCloud data: ', sized(plan.used_bytes, 'used'),
      ' · needed: ', sized(plan.needed_bytes, 'needed'), ' · iCloud backup of ' + device + ': about ',
      sized(plan.estimate_bytes, 'plan-estimate')
    ]));
    if ((plan.options || []).length) {
      var list = el('ol', 'options');
      plan.options.forEach(function (o) {
        var gain = o.kind === 'buy-tier' ? ': adds ' : ': frees ';
        var fit = o.fits ? ', fits' + (o.lasts_until ? '; full on ' + o.lasts_until + ' at the growth rate' : '')
          : [', still short by ', sized(o.short_by_bytes)];
        var li = el('li', 'option', [
          el('p', null, [el('strong', null, capitalized(o.summary)), gain, sized(o.frees_bytes, 'frees'), fit]),
          el('p', 'how', o.how)
        ]);
        li.setAttribute('data-kind', o.kind);
        if ((o.items || []).length) {
          var t = table('items', [o.kind === 'delete-backups' ? 'Backup' : 'App', '#Size', 'Lost', 'Why']);
          o.items.forEach(function (it) {
            t.body.appendChild(el('tr', null, [
              td(it.name), td(sized(it.bytes), 'num'), td(LOSS[it.loss] || it.loss), td(it.why)
            ]));
          });
          li.appendChild(t.box);
        }
        list.appendChild(li);
      });
      s.appendChild(list);
    }
    var g = plan.growth;
    if (g) {
      var full = Object.keys(g.full_on || {}).map(function (tier) {
        return 'the ' + tier + ' plan fills on ' + g.full_on[tier];
      });
      var from = g.method === 'copies' ? plural(g.copies, 'copy', 'copies') : "its files' birth dates";
      s.appendChild(el('p', 'growth', [
        'Growth: ' + (g.bytes_per_month < 0 ? '−' : '+'), sized(Math.abs(g.bytes_per_month)), ' a month (' + from +
          ', ' + g.from + ' to ' + g.to + ')' + (full.length ? '; at that rate ' + full.join(', ') : '') + '.'
      ]));
    }
    (plan.notes || []).forEach(function (n) { s.appendChild(el('p', 'note', n.message)); });
    return s;
  }

  // ---- One backup -----------------------------------------------------------------------------------------

  function backupSection(b, index) {
    var s = el('section', 'backup');
    s.id = 'backup-' + index;
    s.setAttribute('data-path', b.path);
    s.appendChild(el('h2', 'device', deviceName(b)));
    var facts = [b.product_name || b.product_type, b.ios_version ? 'iOS ' + b.ios_version : null];
    if (b.last_backup) {
      facts.push('last backup ' + day(b.last_backup) +
        (b.age_days !== null && b.age_days !== undefined ? ' (' + plural(b.age_days, 'day', 'days') + ' ago)' : ''));
    }
    facts.push(stateWords(b));
    s.appendChild(el('p', 'facts', facts.filter(Boolean).join(' · ')));
    var total = ['Size: '].concat(totalOf(b, 'total'));
    if (b.files !== null && b.files !== undefined) total.push(' in ' + plural(b.files, 'file', 'files'));
    if (b.bytes !== null && b.bytes !== undefined) total.push(' (', sized(b.disk_bytes, 'disk'), ' on disk)');
    s.appendChild(el('p', 'total', total));
    s.appendChild(el('p', 'folder', el('code', null, b.path)));

    var reasons = errorsAt[b.path] || [];
    if (reasons.length) {
      var box = el('div', 'unreadable', el('p', null, el('strong', null, 'What fills this backup is not known:')));
      reasons.forEach(function (e) { box.appendChild(el('p', 'reason', e.message)); });
      s.appendChild(box);
    }
    if ((b.warnings || []).length) {
      var ul = el('ul', 'warnings');
      b.warnings.forEach(function (w) { ul.appendChild(el('li', null, w.message)); });
      s.appendChild(ul);
    }
    var entry = inside[b.path];
    var explorer = null;
    if (entry && entry.tree) {
      explorer = explore(b, entry.tree);
      s.appendChild(explorer.element);
    }
    if (b.estimate) s.appendChild(estimate(b.estimate));
    if (entry && (entry.files || []).length) s.appendChild(largestFiles(b, entry.files));
    return { element: s, explorer: explorer };
  }

  function estimate(e) {
    var box = el('div', 'estimate', el('h3', null, 'iCloud backup estimate'));
    box.appendChild(el('p', null, [
      'About ', sized(e.bytes, 'estimate'), ' (', sized(e.low, 'estimate-low'), ' to ', sized(e.high, 'estimate-high'),
      '), from a local backup of ', sized(e.local_bytes, 'estimate-local'), '.'
    ]));
    if ((e.removed || []).length) {
      var t = table('removed', ['Not in the iCloud backup', '#Size', 'Why']);
      e.removed.forEach(function (r) {
        t.body.appendChild(el('tr', null, [
          td(r.label), td(sized(r.bytes), 'num'), td(r.certain === false ? r.why + ' (assumed)' : r.why)
        ]));
      });
      box.appendChild(t.box);
    }
    if ((e.assumptions || []).length) {
      box.appendChild(el('h4', null, 'Assumptions'));
      var ul = el('ul', 'assumptions');
      e.assumptions.forEach(function (a) { ul.appendChild(el('li', null, a.message)); });
      box.appendChild(ul);
    }
    return box;
  }

  function largestFiles(b, files) {
    var apps = {};
    (b.apps || []).forEach(function (a) { apps[a.bundle_id] = a.name; });
    var labels = {};
    (b.categories || []).forEach(function (c) { labels[c.id] = c.label; });
    var box = el('div', 'largest', el('h3', null, 'Largest files'));
    var t = table('files', ['File', 'Domain', 'Belongs to', '#Size', 'Modified']);
    files.forEach(function (f) {
      var owner = f.app ? apps[f.app] || f.app : labels[f.category] || f.category;
      var when = td(day(f.modified));
      if (f.modified) when.title = f.modified;
      var path = td([el('span', 'path', f.path), f.on_disk === false ? el('em', 'missing', ' (missing on disk)') : null]);
      var row = el('tr', null, [path, td(el('span', 'path', f.domain)), td(owner), td(sized(f.bytes), 'num'), when]);
      row.setAttribute('data-bytes', String(f.bytes));
      row.setAttribute('data-path', f.path);
      row.setAttribute('data-domain', f.domain);
      t.body.appendChild(row);
    });
    box.appendChild(t.box);
    return box;
  }

  // ---- The treemap and the table of the node it shows -----------------------------------------------------

  var HUES = [211, 28, 140, 350, 265, 48, 185, 5, 95, 310, 160, 230];
  var KIND = { backup: 'backup', category: 'data type', app: 'app', domain: 'domain', folder: 'folder', file: 'file' };

  // What a node's area holds: its children with bytes, then the folded rest.
  function parts(node, withEmpty) {
    var list = (node.children || []).filter(function (c) { return withEmpty || c.bytes > 0; });
    if (node.more && (node.more.bytes > 0 || (withEmpty && node.more.files > 0))) {
      list = list.concat([{ name: 'Everything else', kind: 'more', bytes: node.more.bytes, files: node.more.files, folded: true }]);
    }
    return list;
  }

  function describe(c, parent) {
    var what = c.folded ? 'smaller items, folded together' : (KIND[c.kind] || c.kind) + (c.id ? ' ' + c.id : '');
    return c.name + ' (' + what + '): ' + size(c.bytes) + ' (' + count(c.bytes) + ' bytes) in ' +
      plural(c.files, 'file', 'files') + ', ' + share(c.bytes, parent.bytes) + ' of ' + parent.name;
  }

  function explore(b, tree) {
    var path = [tree];
    var drawnAt = null;
    var targets = new Map();
    var wrap = el('div', 'explore');
    var left = el('div', 'map-side');
    var bar = el('div', 'bar');
    var up = el('button', 'up', '↑ Up');
    up.type = 'button';
    var crumbs = el('nav', 'crumbs');
    crumbs.setAttribute('aria-label', 'Where the treemap is in ' + deviceName(b));
    append(bar, [up, crumbs]);
    var map = el('div', 'treemap');
    map.tabIndex = -1;
    map.setAttribute('role', 'group');
    var hover = el('p', 'hover', 'Click a rectangle (or press Enter on it) to look inside; Escape goes back up.');
    append(left, [bar, map, hover]);
    var right = el('div', 'table-side');
    append(wrap, [left, right]);

    function zoom(chain, byKeyboard) {
      path = chain;
      draw(true);
      if (byKeyboard) {
        var first = map.querySelector('.tm-rect[tabindex="0"]');
        (first || map).focus();
      }
    }

    function upOne(byKeyboard) {
      if (path.length > 1) zoom(path.slice(0, -1), byKeyboard);
    }

    up.addEventListener('click', function () { upOne(false); });

    function drawCrumbs() {
      crumbs.textContent = '';
      path.forEach(function (node, i) {
        if (i > 0) crumbs.appendChild(el('span', 'sep', ' › '));
        if (i === path.length - 1) {
          var here = el('span', 'here', node.name);
          here.setAttribute('aria-current', 'location');
          crumbs.appendChild(here);
        } else {
          var go = el('button', null, node.name);
          go.type = 'button';
          go.addEventListener('click', function () { zoom(path.slice(0, i + 1), false); });
          crumbs.appendChild(go);
        }
      });
      up.disabled = path.length === 1;
    }

    function rect(node, chain, depth, r, hue, parent) {
      var x0 = Math.round(r.x);
      var y0 = Math.round(r.y);
      var w = Math.round(r.x + r.w) - x0;
      var h = Math.round(r.y + r.h) - y0;
      if (w < 1 || h < 1) return;
      var zoomable = !node.folded && (node.children || []).length > 0;
      var d = el('div', 'tm-rect d' + depth + (node.folded ? ' folded' : ''));
      d.style.left = x0 + 'px';
      d.style.top = y0 + 'px';
      d.style.width = w + 'px';
      d.style.height = h + 'px';
      // A box is never narrower than its padding and border: a sliver gets neither, so it keeps its size.
      if (w < 12 || h < 8) d.style.padding = '0';
      if (w < 3 || h < 3) d.style.borderWidth = '0';
      d.style.background = node.folded
        ? (depth === 1 ? '#d9dce0' : '#e9ebee')
        : 'hsl(' + hue + ', ' + (depth === 1 ? '48%, 70%' : '52%, 84%') + ')';
      d.setAttribute('data-depth', String(depth));
      d.setAttribute('data-name', node.name);
      d.setAttribute('data-bytes', String(node.bytes));
      d.setAttribute('data-files', String(node.files));
      d.setAttribute('data-kind', node.kind);
      d.title = describe(node, parent);
      if (zoomable) {
        d.setAttribute('data-zoomable', 'true');
        targets.set(d, chain.concat([node]));
      } else if (depth > 1) {
        targets.set(d, chain);
      }
      if (zoomable && depth === 1) {
        d.tabIndex = 0;
        d.setAttribute('role', 'button');
        d.setAttribute('aria-label', 'Look inside ' + d.title);
      }
      if (w >= 36 && h >= 15) {
        var label = el('span', 'tm-label', node.name);
        if (depth === 1 && h >= 30) label.appendChild(el('span', 'tm-size', size(node.bytes)));
        d.appendChild(label);
      }
      map.appendChild(d);
      if (depth === 1 && zoomable && w >= 48 && h >= 44) {
        level(node, chain.concat([node]), 2, { x: x0 + 2, y: y0 + 18, w: w - 4, h: h - 20 }, hue);
      }
    }

    function level(node, chain, depth, box, hue) {
      var list = parts(node, false);
      var rects = squarify(list.map(function (c) { return c.bytes; }), box.x, box.y, box.w, box.h);
      list.forEach(function (c, i) {
        rect(c, chain, depth, rects[i], depth === 1 ? HUES[i % HUES.length] : hue, node);
      });
    }

    function drawTable(node) {
      right.textContent = '';
      var t = table('children', ['Name', '#Size', '#Share', '#Files']);
      t.table.insertBefore(el('caption', null, [node.name + ': ', sized(node.bytes, 'current'), ' in ' + plural(node.files, 'file', 'files')]), t.table.firstChild);
      var visible = 0;
      parts(node, true).forEach(function (c) {
        var swatch = el('span', 'swatch');
        if (c.bytes > 0) {
          swatch.style.background = c.folded ? '#d9dce0' : 'hsl(' + HUES[visible % HUES.length] + ', 48%, 70%)';
          visible++;
        }
        var name;
        if (!c.folded && (c.children || []).length) {
          name = el('button', 'link', c.name);
          name.type = 'button';
          name.title = 'Look inside ' + c.name;
          name.addEventListener('click', function () { zoom(path.concat([c]), false); });
        } else {
          name = el('span', c.folded ? 'folded' : null, c.name);
        }
        var row = el('tr', null, [
          td([swatch, name]), td(sized(c.bytes), 'num'), td(share(c.bytes, node.bytes), 'num'), td(count(c.files), 'num')
        ]);
        row.title = describe(c, node);
        row.setAttribute('data-name', c.name);
        row.setAttribute('data-bytes', String(c.bytes));
        row.setAttribute('data-files', String(c.files));
        if (c.folded) row.setAttribute('data-folded', 'true');
        t.body.appendChild(row);
      });
      right.appendChild(t.box);
    }

    // Draws the current node; `force` redraws at the same size (after a zoom), otherwise only a new size does.
    function draw(force) {
      var w = map.clientWidth;
      var h = map.clientHeight;
      if (!force && drawnAt && drawnAt.w === w && drawnAt.h === h) return;
      drawnAt = { w: w, h: h };
      var node = path[path.length - 1];
      targets = new Map();
      map.textContent = '';
      map.setAttribute('data-bytes', String(node.bytes));
      map.setAttribute('data-files', String(node.files));
      map.setAttribute('data-name', node.name);
      map.setAttribute('data-depth', String(path.length - 1));
      map.setAttribute('aria-label', 'Treemap of ' + node.name + ', ' + size(node.bytes));
      level(node, path, 1, { x: 0, y: 0, w: w, h: h }, 0);
      drawCrumbs();
      drawTable(node);
    }

    map.addEventListener('click', function (e) {
      var target = e.target.closest('.tm-rect');
      var chain = target && targets.get(target);
      if (chain && chain.length > path.length) zoom(chain, false);
    });
    map.addEventListener('keydown', function (e) {
      if (e.key === 'Escape' || e.key === 'Backspace') {
        if (path.length > 1) { e.preventDefault(); upOne(true); }
        return;
      }
      if (e.key !== 'Enter' && e.key !== ' ') return;
      var target = e.target.closest('.tm-rect');
      var chain = target && targets.get(target);
      if (chain && chain.length > path.length) { e.preventDefault(); zoom(chain, true); }
    });
    function show(e) {
      var target = e.target.closest && e.target.closest('.tm-rect');
      if (target) hover.textContent = target.title;
    }
    map.addEventListener('mouseover', show);
    map.addEventListener('focusin', show);

    return { element: wrap, draw: draw };
  }

  // ---- What could not be read at all ----------------------------------------------------------------------

  function notRead() {
    var errors = (scan.errors || []).filter(function (e) { return e.path === null || e.path === undefined || !backupPaths[e.path]; });
    var skipped = scan.skipped || [];
    if (!errors.length && !skipped.length) return null;
    var s = el('section', 'not-read', el('h2', null, 'Not read'));
    var ul = el('ul');
    errors.forEach(function (e) {
      var li = el('li', 'error', [e.path ? el('code', null, e.path) : null, e.path ? ': ' : null, e.message]);
      if (e.path) li.setAttribute('data-path', e.path);
      ul.appendChild(li);
    });
    skipped.forEach(function (k) {
      ul.appendChild(el('li', 'skipped', [el('code', null, k.path), ': skipped, ' + k.message]));
    });
    s.appendChild(ul);
    return s;
  }

  // ---- The page -------------------------------------------------------------------------------------------

  var root = document.getElementById('report');
  root.textContent = '';
  document.title = 'cloudfit: ' + backups.map(deviceName).filter(function (n, i, all) { return all.indexOf(n) === i; }).join(', ');
  root.appendChild(header());
  root.appendChild(overview());
  var explorers = [];
  backups.forEach(function (b, i) {
    var section = backupSection(b, i);
    root.appendChild(section.element);
    if (section.explorer) explorers.push(section.explorer);
  });
  if (data.plan) root.appendChild(planSection(data.plan));
  append(root, notRead());
  // Drawn once the page is laid out (clientWidth is known), and again when a treemap's size changes.
  explorers.forEach(function (x) { x.draw(true); });
  var redraw = function () { explorers.forEach(function (x) { x.draw(false); }); };
  if (typeof ResizeObserver === 'function') {
    var observer = new ResizeObserver(redraw);
    Array.prototype.forEach.call(document.querySelectorAll('.treemap'), function (m) { observer.observe(m); });
  }
  // The window's own resize too: it comes at once, where an observer waits for the next frame.
  window.addEventListener('resize', redraw);
})();
