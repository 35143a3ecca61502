exports.minutesFor = (markdown, wordsPerMinute) => {
  const words = markdown.split(/\s+/).filter(Boolean).length;
  return Math.max(1, Math.round(words / (wordsPerMinute || 200)));
};
