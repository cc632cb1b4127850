// `npm start`: the aggregator with the demo model plus the demo shop. Not built yet.
console.log(
  'Hearth: `npm start` is not built yet (the demo shop issue brings it). Run `npm test` meanwhile.',
);
