#!/usr/bin/env node
'use strict';
/*
 * A nunchi node in Node.js hosting agents of the `stubborn` behaviour, and of `deffuant`
 * too (a society with stubborn agents usually has others to hold firm against).
 *
 *     node clients/node/stubborn.js --connect tcp://127.0.0.1:5555
 *
 * The step is node/behaviours/stubborn.c: never change, tell one random neighbour.
 */
const nunchi = require('./nunchi_agent');
const { Deffuant } = require('./deffuant');

const Stubborn = {
  name: 'stubborn',
  params: [],

  step(a) {
    a.sendRandom(a.x);
  },
};

module.exports = { Stubborn };

if (require.main === module) {
  nunchi.cli([Stubborn, Deffuant], 'a nunchi node in Node.js: stubborn and deffuant agents');
}
