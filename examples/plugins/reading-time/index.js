// A CMS plugin (docs/cms.md, "Plugins"): CommonJS, run in a sandbox with only `event` and `raos`.
const { minutesFor } = require('./minutes.js');

exports.beforeContentSave = (event, raos) => {
  const minutes = minutesFor(event.content.body, raos.settings.wordsPerMinute);
  const tag = `${minutes}-min-read`;
  const tags = event.content.tags.filter((t) => !/^\d+-min-read$/.test(t));
  raos.log(`${event.content.slug}: ${tag}`);
  return { content: { tags: [...tags, tag] } };
};

exports.onRender = (event) => ({ html: `${event.html}<p><em>Thanks for reading.</em></p>` });
