#!/usr/bin/env node
'use strict';
/*
 * A nunchi node in Node.js hosting agents of the `deffuant` behaviour.
 *
 *     node clients/node/deffuant.js --connect tcp://127.0.0.1:5555
 *     node clients/node/deffuant.js --connect tcp://127.0.0.1:5556 --claim NAME
 *
 * (the second hosts the external population NAME of a `nunchi run` with deffuant agents)
 *
 * The step is node/behaviours/deffuant.c, operation for operation: fold the inbox in the
 * order given (x += mu * (v - x) when |v - x| < d), then send x to one random neighbour.
 */
const nunchi = require('./nunchi_agent');

const Deffuant = {
  name: 'deffuant',
  // [name, default, min, max], in the order of the C behaviour's parameters
  params: [['d', 0.2, 0.0, 1.0], ['mu', 0.5, 0.0, 1.0]],

  step(a) {
    const [d, mu] = a.params;
    let x = a.x;
    for (const m of a.inbox) {
      const diff = m.value - x;
      if (Math.abs(diff) < d) {
        x += mu * diff;
      }
    }
    a.x = x;
    a.sendRandom(x);
  },
};

module.exports = { Deffuant };

if (require.main === module) {
  nunchi.cli([Deffuant], 'a nunchi node in Node.js: deffuant agents');
}
