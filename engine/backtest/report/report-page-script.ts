// The script of report.html, as text (it runs in the browser, not in Node; it is inlined
// after lightweight-charts' standalone build, which defines window.LightweightCharts). It
// reads the page data from the JSON <script id="report-data">, draws the equity and
// drawdown panes, the price chart (candles, regime bands as a full-height histogram on a
// hidden scale, entry and exit markers, an instrument selector), the monthly-returns heat
// map and the giveback histogram on canvases, and fills the tables. `window.__chartsReady`
// holds one flag per chart, set two animation frames after the chart got its data (after
// lightweight-charts has painted); `window.__chartErrors` collects every error.
// No backticks or dollar-brace sequences below: the text is a String.raw template.

export const REPORT_PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  var ready = (window.__chartsReady = { equity: false, drawdown: false, price: false, heatmap: false, worstTrades: false });
  // The lightweight-charts instances, for inspection (the browser test reads their visible ranges).
  var charts = (window.__reportCharts = {});
  var errors = (window.__chartErrors = []);
  window.addEventListener('error', function (e) { errors.push(String(e.message || e)); });
  window.addEventListener('unhandledrejection', function (e) { errors.push(String(e.reason)); });

  var data = JSON.parse(document.getElementById('report-data').textContent);
  var LW = window.LightweightCharts;
  var REGIME_COLOURS = { trending: 'rgba(38,166,154,0.22)', mean_reverting: 'rgba(41,98,255,0.18)', choppy: 'rgba(255,152,0,0.22)' };
  var SPARE_COLOURS = ['rgba(156,39,176,0.18)', 'rgba(121,85,72,0.2)', 'rgba(0,188,212,0.2)', 'rgba(233,30,99,0.16)'];
  var MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

  function el(id) { return document.getElementById(id); }
  function afterPaint(fn) { requestAnimationFrame(function () { requestAnimationFrame(fn); }); }
  function guard(name, fn) {
    try { fn(); } catch (e) { errors.push(name + ': ' + ((e && e.stack) || e)); }
  }
  function pct(x, digits) { return x === null || x === undefined ? '\u2013' : (x * 100).toFixed(digits === undefined ? 2 : digits) + '%'; }
  function num(x, digits) {
    if (x === null || x === undefined) return '\u2013';
    return Number(x).toLocaleString('en-US', { maximumFractionDigits: digits === undefined ? 2 : digits });
  }
  function text(parent, tag, content, cls) {
    var node = document.createElement(tag);
    if (content !== undefined) node.textContent = content;
    if (cls) node.className = cls;
    parent.appendChild(node);
    return node;
  }
  function table(parent, headers, rows) {
    var t = text(parent, 'table');
    var head = text(t, 'tr');
    headers.forEach(function (h) { text(head, 'th', h); });
    rows.forEach(function (r) {
      var tr = text(t, 'tr');
      r.forEach(function (c) { text(tr, 'td', c); });
    });
    return t;
  }
  function line(times, values, scale) {
    var out = new Array(times.length);
    for (var i = 0; i < times.length; i++) out[i] = { time: times[i], value: values[i] * (scale || 1) };
    return out;
  }
  function chartOptions() {
    return {
      autoSize: true,
      layout: { background: { type: 'solid', color: '#ffffff' }, textColor: '#333333', fontSize: 11 },
      grid: { vertLines: { color: '#eef0f3' }, horzLines: { color: '#eef0f3' } },
      // A small minimum bar spacing lets fitContent show a whole run (up to ~10,000 points) in one screen width.
      timeScale: { timeVisible: true, secondsVisible: false, borderColor: '#cccccc', minBarSpacing: 0.05 },
      rightPriceScale: { borderColor: '#cccccc' },
      localization: { locale: 'en-US' },
    };
  }
  function hiDpiCanvas(canvas, width, height) {
    var ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    canvas.style.width = width + 'px';
    canvas.style.height = height + 'px';
    var ctx = canvas.getContext('2d');
    ctx.scale(ratio, ratio);
    return ctx;
  }

  // ---- header, notes and summary
  document.title = data.title;
  el('title').textContent = data.title;
  var period = data.report.period;
  el('period').textContent = period.start + ' \u2192 ' + period.end + ' \u00b7 ' + num(period.equityPoints, 0) + ' equity points \u00b7 ' +
    num(data.report.annualisation.periodsPerYear, 1) + ' periods per year (' + num(data.report.annualisation.intervals, 0) + ' intervals over ' +
    num(data.report.annualisation.spanSeconds / 86400, 1) + ' days; median interval ' + num(data.report.annualisation.medianIntervalSeconds, 0) + ' s)';
  var notes = el('notes');
  if (data.notes.length === 0) text(notes, 'li', 'All points drawn (no downsampling).');
  data.notes.forEach(function (n) { text(notes, 'li', n); });
  var a = data.report.account;
  table(el('summary'), ['metric', 'value'], [
    ['final equity', num(a.finalEquity)], ['total return', pct(a.totalReturn)], ['CAGR', pct(a.cagr)],
    ['annualised volatility', pct(a.annualisedVolatility)], ['Sharpe', num(a.sharpe, 3)], ['Sortino', num(a.sortino, 3)],
    ['Calmar', num(a.calmar, 3)], ['max drawdown', pct(a.drawdown.maxDrawdown)],
    ['drawdown duration', num(a.drawdown.durationDays, 1) + ' days / ' + num(a.drawdown.durationBars, 0) + ' bars' + (a.drawdown.recovered ? '' : ' (not recovered)')],
    ['trades', num(a.trades, 0)], ['win rate', pct(a.winRate)], ['profit factor', num(a.profitFactor, 3)], ['expectancy', num(a.expectancy)],
    ['exposure', pct(a.exposure)], ['turnover', num(a.turnover, 2) + '\u00d7'], ['fees', num(a.fees)], ['slippage', num(a.slippage)], ['funding', num(a.funding)],
  ]);
  function sliceRows(record, extra) {
    return Object.keys(record).map(function (k) {
      var s = record[k];
      return [k].concat(extra ? extra(s) : []).concat([num(s.trades, 0), pct(s.winRate), num(s.profitFactor, 3), num(s.expectancy), num(s.netPnl), pct(s.exposure), num(s.turnover, 2), num(s.fees)]);
    });
  }
  var sliceHeaders = ['trades', 'win rate', 'profit factor', 'expectancy', 'net P&L', 'exposure', 'turnover', 'fees'];
  table(el('by-strategy'), ['strategy', 'instruments'].concat(sliceHeaders), sliceRows(data.report.byStrategy, function (s) { return [s.instruments.join(' ')]; }));
  table(el('by-instrument'), ['instrument'].concat(sliceHeaders), sliceRows(data.report.byInstrument));
  var byRegime = data.report.byRegime;
  if (!byRegime) text(el('by-regime'), 'p', 'no regime model');
  else {
    text(el('by-regime'), 'p', 'Account returns split by the labels of ' + byRegime.referenceInstrument + '; trades by the label of their entry bar.');
    table(el('by-regime'), ['regime', 'share of bars', 'return (compounded)', 'Sharpe', 'Sortino', 'trades', 'win rate', 'profit factor', 'expectancy'],
      Object.keys(byRegime.regimes).map(function (k) {
        var r = byRegime.regimes[k];
        return [k, pct(r.shareOfPeriods, 1), pct(r.returns.compoundedReturn), num(r.returns.sharpe, 3), num(r.returns.sortino, 3), num(r.trades.trades, 0), pct(r.trades.winRate), num(r.trades.profitFactor, 3), num(r.trades.expectancy)];
      }));
  }

  // ---- equity and drawdown (two panes of one chart)
  guard('equity', function () {
    var chart = (charts.equity = LW.createChart(el('equity-chart'), chartOptions()));
    var equity = chart.addSeries(LW.LineSeries, { color: '#2962ff', lineWidth: 2, title: 'equity', priceLineVisible: false }, 0);
    equity.setData(line(data.equity.time, data.equity.value));
    guard('drawdown', function () {
      var drawdown = chart.addSeries(LW.AreaSeries, {
        lineColor: '#f23645', topColor: 'rgba(242,54,69,0.45)', bottomColor: 'rgba(242,54,69,0.08)', invertFilledArea: true, lineWidth: 1,
        title: 'drawdown', priceLineVisible: false, priceFormat: { type: 'custom', minMove: 0.01, formatter: function (p) { return p.toFixed(1) + '%'; } },
        // 0% at the top of the pane, at least -1% at the bottom, so the fill above the line is empty at a new high.
        autoscaleInfoProvider: function (original) {
          var range = original();
          if (!range) return range;
          return { priceRange: { minValue: Math.min(range.priceRange.minValue, -1), maxValue: 0 }, margins: range.margins };
        },
      }, 1);
      drawdown.setData(line(data.drawdown.time, data.drawdown.value, 100));
      var panes = chart.panes();
      if (panes.length > 1) panes[1].setStretchFactor(0.45);
      afterPaint(function () { ready.drawdown = true; });
    });
    chart.timeScale().fitContent();
    afterPaint(function () { ready.equity = true; });
  });

  // ---- price with regime bands and trade markers
  guard('price', function () {
    var legend = el('regime-legend');
    var colours = {};
    data.regimeLabels.forEach(function (label, i) { colours[label] = REGIME_COLOURS[label] || SPARE_COLOURS[i % SPARE_COLOURS.length]; });
    if (data.regimeLabels.length === 0) text(legend, 'span', 'no regime model', 'muted');
    data.regimeLabels.forEach(function (label) {
      var item = text(legend, 'span', '', 'legend-item');
      var swatch = text(item, 'span', '', 'swatch');
      swatch.style.background = colours[label];
      text(item, 'span', label);
    });
    if (data.instruments.length === 0) {
      text(el('price-note'), 'span', 'no instruments recorded');
      ready.price = true;
      return;
    }
    var chart = (charts.price = LW.createChart(el('price-chart'), chartOptions()));
    var bands = chart.addSeries(LW.HistogramSeries, {
      priceScaleId: 'regime', priceLineVisible: false, lastValueVisible: false, base: 0,
      autoscaleInfoProvider: function () { return { priceRange: { minValue: 0, maxValue: 1 } }; },
    });
    chart.priceScale('regime').applyOptions({ visible: false, scaleMargins: { top: 0, bottom: 0 } });
    var candles = chart.addSeries(LW.CandlestickSeries, {
      upColor: '#089981', downColor: '#f23645', borderVisible: false, wickUpColor: '#089981', wickDownColor: '#f23645', priceLineVisible: false,
    });
    var markers = LW.createSeriesMarkers(candles, []);
    function show(index) {
      var ins = data.instruments[index];
      var bars = new Array(ins.time.length);
      var shading = new Array(ins.time.length);
      for (var i = 0; i < ins.time.length; i++) {
        bars[i] = { time: ins.time[i], open: ins.open[i], high: ins.high[i], low: ins.low[i], close: ins.close[i] };
        var r = ins.regime[i];
        shading[i] = r < 0 ? { time: ins.time[i] } : { time: ins.time[i], value: 1, color: colours[data.regimeLabels[r]] };
      }
      candles.setData(bars);
      bands.setData(data.regimeLabels.length === 0 ? [] : shading);
      markers.setMarkers(ins.markers);
      chart.timeScale().fitContent();
      el('price-note').textContent = ins.symbol + ': ' + num(ins.barCount, 0) + ' bars' +
        (ins.group > 1 ? ', drawn as ' + num(ins.time.length, 0) + ' (groups of ' + ins.group + ' bars keeping the OHLC envelope)' : '') +
        '; ' + num(ins.trades, 0) + ' trades' + (ins.markedTrades < ins.trades ? ', ' + num(ins.markedTrades, 0) + ' marked' : '') +
        '. Markers: green \u25b2 long entry, red \u25bc short entry, purple arrow exit.';
    }
    var select = el('instrument-select');
    data.instruments.forEach(function (ins, i) {
      var option = text(select, 'option', ins.symbol);
      option.value = String(i);
    });
    if (data.instruments.length < 2) select.style.display = 'none';
    select.addEventListener('change', function () { guard('price', function () { show(Number(select.value)); }); });
    show(0);
    afterPaint(function () { ready.price = true; });
  });

  // ---- monthly returns heat map (years x months, plus the year's compounded return)
  guard('heatmap', function () {
    var canvas = el('heatmap');
    var years = [];
    var byKey = {};
    data.monthly.forEach(function (m) {
      if (years.indexOf(m.year) < 0) years.push(m.year);
      byKey[m.year + '-' + m.month] = m.return;
    });
    years.sort();
    var maxAbs = 0;
    data.monthly.forEach(function (m) { maxAbs = Math.max(maxAbs, Math.abs(m.return)); });
    var cellW = 62, cellH = 26, left = 52, top = 24;
    var width = left + 13 * cellW + 2, height = top + Math.max(1, years.length) * cellH + 2;
    var ctx = hiDpiCanvas(canvas, width, height);
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, width, height);
    ctx.font = '11px sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillStyle = '#333333';
    MONTHS.concat(['Year']).forEach(function (m, j) { ctx.fillText(m, left + j * cellW + cellW / 2, top / 2); });
    if (years.length === 0) { ctx.fillText('no equity points', width / 2, top + cellH / 2); }
    function colour(r) {
      var t = maxAbs > 0 ? Math.min(1, Math.abs(r) / maxAbs) : 0;
      var alpha = 0.12 + 0.78 * t;
      return r >= 0 ? 'rgba(8,153,129,' + alpha + ')' : 'rgba(242,54,69,' + alpha + ')';
    }
    years.forEach(function (year, i) {
      var y = top + i * cellH;
      ctx.fillStyle = '#333333';
      ctx.textAlign = 'right';
      ctx.fillText(String(year), left - 8, y + cellH / 2);
      ctx.textAlign = 'center';
      var growth = 1;
      for (var month = 1; month <= 13; month++) {
        var x = left + (month - 1) * cellW;
        var r = month <= 12 ? byKey[year + '-' + month] : growth - 1;
        if (month <= 12 && r !== undefined) growth *= 1 + r;
        ctx.fillStyle = r === undefined ? '#f4f5f7' : colour(r);
        ctx.fillRect(x + 1, y + 1, cellW - 2, cellH - 2);
        if (r !== undefined) {
          ctx.fillStyle = '#111111';
          ctx.fillText((r * 100).toFixed(1) + '%', x + cellW / 2, y + cellH / 2);
        }
      }
    });
    afterPaint(function () { ready.heatmap = true; });
  });

  // ---- worst trades: bottom decile table and the giveback histogram of all trades
  guard('worstTrades', function () {
    var box = el('worst-trades');
    if (data.worstTrades.length === 0) text(box, 'p', 'no trades');
    else {
      text(box, 'p', 'The ' + data.worstTrades.length + ' worst of ' + data.tradeCount + ' trades by net P&L (bottom decile).');
      table(box, ['instrument', 'side', 'entry', 'exit', 'quantity', 'entry price', 'exit price', 'net P&L', 'peak unrealised', 'giveback', 'giveback / peak', 'bars'],
        data.worstTrades.map(function (t) {
          return [t.symbol, t.side, t.entry, t.exit, num(t.quantity, 6), num(t.entryPrice, 6), num(t.exitPrice, 6), num(t.netPnl), num(t.peakUnrealised), num(t.giveback), pct(t.givebackFraction, 1), num(t.bars, 0)];
        }));
    }
    var histogram = data.givebackHistogram;
    var canvas = el('giveback-histogram');
    var width = 900, height = 240, left = 50, bottom = 40, top = 16, right = 10;
    var ctx = hiDpiCanvas(canvas, width, height);
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, width, height);
    ctx.font = '11px sans-serif';
    ctx.fillStyle = '#333333';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    if (histogram.counts.length === 0) ctx.fillText('no trades', width / 2, height / 2);
    else {
      var maxCount = Math.max.apply(null, histogram.counts);
      var plotW = width - left - right, plotH = height - top - bottom;
      var barW = plotW / histogram.counts.length;
      histogram.counts.forEach(function (c, i) {
        var h = maxCount > 0 ? (c / maxCount) * plotH : 0;
        ctx.fillStyle = '#ff9800';
        ctx.fillRect(left + i * barW + 1, top + plotH - h, barW - 2, h);
      });
      ctx.strokeStyle = '#999999';
      ctx.beginPath();
      ctx.moveTo(left, top + plotH + 0.5);
      ctx.lineTo(width - right, top + plotH + 0.5);
      ctx.stroke();
      ctx.fillStyle = '#333333';
      for (var i = 0; i <= histogram.counts.length; i += 4) ctx.fillText(num(histogram.edges[i], 0), left + i * barW, top + plotH + 12);
      ctx.fillText('giveback from peak unrealised P&L to realised P&L (quote currency, before fees)', left + plotW / 2, height - 10);
      ctx.textAlign = 'right';
      ctx.fillText(String(maxCount), left - 6, top + 4);
      ctx.fillText('0', left - 6, top + plotH);
    }
    afterPaint(function () { ready.worstTrades = true; });
  });
})();
`;
