/* What the web editing form at /admin/ does before it saves an entry (site-builder).
 *
 * The body field opens as Markdown (see below). Decap CMS writes every field the form has touched, even when it is left empty; the
 * content models refuse an empty text (`venue: ''`), and an empty `sns: []` would mean
 * "post nothing". So before each save:
 *   - a field left empty is left out of the file, in nested lists and objects too,
 *     as if it had never been written (its default then holds);
 *   - a new entry must have its file name (the slug field), and a front-matter image
 *     its description (image_alt): otherwise the save stops with a message saying so.
 * The labels in the messages are the form's (the build fills them in from
 * content/field_labels.py). Everything saved still goes through `site-builder check`
 * before it is published.
 */
(function () {
  'use strict';

  var LABELS = __LABELS__; // {slug, image, image_alt}: the form's labels of these fields

  // The body opens as Markdown, as the editor's guide teaches it: Decap opens it in rich-text
  // mode unless this browser chose otherwise, and rich text escapes Markdown typed into it
  // (## 背景 would be saved as \## 背景). The toolbar mode stays one switch away.
  try {
    if (window.localStorage && !window.localStorage.getItem('cms.md-mode')) {
      window.localStorage.setItem('cms.md-mode', 'raw');
    }
  } catch (error) { /* storage refused (private mode): Decap's default stands */ }
  var NAMED_BY_DATE = ['newsletter']; // collections whose file name is the send date, not a slug

  function isMap(value) {
    return Boolean(value && value['@@__IMMUTABLE_MAP__@@']);
  }

  function isList(value) {
    return Boolean(value && value['@@__IMMUTABLE_LIST__@@']);
  }

  function isEmpty(value) {
    return value === undefined || value === null || value === '' || ((isList(value) || isMap(value)) && value.size === 0);
  }

  function withoutEmpty(value) {
    if (isMap(value) || isList(value)) {
      return value.map(withoutEmpty).filter(function (item) {
        return !isEmpty(item);
      });
    }
    return value;
  }

  function check(entry, data) {
    var isNew = Boolean(entry.get('newRecord'));
    if (isNew && NAMED_BY_DATE.indexOf(entry.get('collection')) < 0 && !data.get('slug')) {
      throw new Error(
        '新しい記事には「' + LABELS.slug + '」を書いてください。ファイル名と URL になります' +
          '（半角の小文字 a–z、数字 0–9 と「-」。例：ibasho-hodogaya）。'
      );
    }
    if (data.get('image') && !data.get('image_alt')) {
      throw new Error('「' + LABELS.image + '」を選んだときは「' + LABELS.image_alt + '」を書いてください。');
    }
  }

  window.CMS.registerEventListener({
    name: 'preSave',
    handler: function (event) {
      var entry = event.entry;
      var data = withoutEmpty(entry.get('data'));
      check(entry, data);
      return data;
    },
  });
})();
