/* Previews beside the web editing form (/admin/): a case and an event drawn with the
 * site's own styles (theme/assets/tokens.css and site.css) and the classes of their
 * page templates (theme/site/case.html, event.html), so that staff see roughly how the
 * page will look. The Japanese names of statuses, partner types, wards and SDGs are
 * read from the form's own choices (made from the content models). The page itself
 * is built by site-builder; this is a sketch of it, not the page.
 */
(function () {
  'use strict';

  var CMS = window.CMS;
  var h = window.h;
  var createClass = window.createClass;
  var assets = new URL('../assets/', document.baseURI);
  CMS.registerPreviewStyle(new URL('tokens.css', assets).href);
  CMS.registerPreviewStyle(new URL('site.css', assets).href);

  var FLAGGED = ['cancelled', 'postponed'];
  var WEEKDAYS = '日月火水木金土';

  /* {value: label} of the select field at `path` (field names, into nested lists). */
  function choices(fields, path) {
    var field = null;
    path.forEach(function (name) {
      var list = field ? field.get('fields') : fields;
      field = list ? list.find(function (f) { return f.get('name') === name; }) : null;
    });
    var names = {};
    if (field && field.get('options')) {
      field.get('options').forEach(function (option) {
        names[option.get('value')] = option.get('label');
      });
    }
    return names;
  }

  /* 2027-01-23T13:30 → 2027年1月23日(土) 13:30, as the site writes it. */
  function when(text) {
    var match = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?/.exec(text || '');
    if (!match) return text || '';
    var day = new Date(Date.UTC(+match[1], +match[2] - 1, +match[3]));
    var written = +match[1] + '年' + +match[2] + '月' + +match[3] + '日(' + WEEKDAYS[day.getUTCDay()] + ')';
    return match[4] ? written + ' ' + +match[4] + ':' + match[5] : written;
  }

  function list(value) {
    return value && value.toArray ? value.toArray() : [];
  }

  function fact(term, detail) {
    return detail ? [h('dt', { key: term + '-t' }, term), h('dd', { key: term + '-d' }, detail)] : [];
  }

  function figure(props, data) {
    var image = data.get('image');
    if (!image) return null;
    return h('figure', { className: 'sb-figure' }, h('img', { src: props.getAsset(image).toString(), alt: data.get('image_alt') || '' }));
  }

  function page(children) {
    return h('main', { className: 'sb-main' }, h('div', { className: 'sb-content' }, children));
  }

  var CasePreview = createClass({
    render: function () {
      var props = this.props;
      var data = props.entry.get('data');
      var statuses = choices(props.fields, ['status']);
      var types = choices(props.fields, ['partners', 'type']);
      var areas = choices(props.fields, ['wards']);
      var goals = choices(props.fields, ['sdgs']);
      var status = data.get('status');
      var partners = list(data.get('partners')).map(function (partner, index) {
        var type = types[partner.get('type')];
        return h('li', { key: index }, partner.get('name') || '', type ? '（' + type + '）' : '');
      });
      var wards = list(data.get('wards')).map(function (ward) {
        return h('span', { className: 'sb-chip', key: ward }, areas[ward] || ward);
      });
      var sdgs = list(data.get('sdgs')).map(function (goal) {
        return h('span', { className: 'sb-chip sb-sdg sb-sdg--' + goal, key: goal }, goals[goal] || goal);
      });
      var facts = [].concat(
        fact('状況', status ? h('span', { className: 'sb-badge sb-badge--' + status }, statuses[status] || status) : null),
        fact('協働の主体', partners.length ? h('ul', { className: 'sb-partners' }, partners) : null),
        fact('地域', wards.length ? wards : null),
        fact('SDGs', sdgs.length ? sdgs : null),
        fact('開始', data.get('started') ? when(data.get('started')) : null),
        fact('掲載日', when(data.get('date')))
      );
      return page(
        h('article', { className: 'sb-case' },
          h('h1', {}, data.get('title') || ''),
          h('p', { className: 'sb-lead' }, data.get('summary') || ''),
          figure(props, data),
          h('dl', { className: 'sb-facts' }, facts),
          h('div', { className: 'sb-body' }, props.widgetFor('body'))
        )
      );
    },
  });

  var EventPreview = createClass({
    render: function () {
      var props = this.props;
      var data = props.entry.get('data');
      var statuses = choices(props.fields, ['status']);
      var status = data.get('status') || 'scheduled';
      var label = statuses[status] || status;
      var flagged = FLAGGED.indexOf(status) >= 0;
      var notice = flagged ? 'このイベントは' + label + 'となりました。' : status === 'moved-online' ? 'このイベントはオンライン開催に変更しました。' : '';
      var start = when(data.get('start'));
      var end = data.get('end') ? when(data.get('end')) : '';
      var online = data.get('online');
      var venue = data.get('venue') ? [data.get('venue'), data.get('address') ? h('br', { key: 'br' }) : null, data.get('address') || ''] : null;
      var facts = [].concat(
        fact('日時', end ? start + ' – ' + end : start),
        fact('会場', venue),
        fact('オンライン', online ? (online === true || online === 'true' ? 'オンライン会場のURLはお申し込みの方にお知らせします' : online) : null),
        fact('定員', data.get('capacity') ? data.get('capacity') + '名' : null),
        fact('参加費', data.get('fee')),
        fact('掲載日', when(data.get('date')))
      );
      return page(
        h('article', { className: 'sb-event-page' + (flagged ? ' sb-event--' + status : '') },
          notice ? h('p', { className: 'sb-status-banner', role: 'status' }, h('strong', {}, '【' + label + '】'), notice) : null,
          h('h1', {}, (flagged ? '【' + label + '】' : '') + (data.get('title') || '')),
          h('p', { className: 'sb-lead' }, data.get('summary') || ''),
          figure(props, data),
          h('dl', { className: 'sb-facts sb-facts--event' }, facts),
          h('div', { className: 'sb-body' }, props.widgetFor('body'))
        )
      );
    },
  });

  CMS.registerPreviewTemplate('cases', CasePreview);
  CMS.registerPreviewTemplate('events', EventPreview);
})();
