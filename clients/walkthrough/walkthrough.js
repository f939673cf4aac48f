'use strict'
/*
 * The README's API walk-through (section "API"), step for step, through devour-client: a JSON:API client
 * written by others, configured as its documentation says for a server whose types are singular and
 * dasherized (`pluralize: false`, a `collectionPath` per model, members named as the server names them).
 *
 *   API=http://127.0.0.1:8000/v1 node walkthrough.js
 *
 * Each step prints one JSON line ({"step": ..., what the client saw}), and the last line every request made
 * ({"step": "requests"}); the first step that fails prints {"step": ..., "failed": ...} and the script exits 1. eventsite/tests/test_walkthrough_client.py runs it
 * against a live server and checks every line.
 */
const http = require('http')
const JsonApi = require('devour-client')

const API = process.env.API || 'http://127.0.0.1:8000/v1'
const EMAIL = process.env.WALKTHROUGH_EMAIL || 'me@example.org'
const PASSWORD = process.env.WALKTHROUGH_PASSWORD || 'a-sturdy-passphrase'
const requests = []

/* devour's default error builder keeps only title and detail; the pointer is what a form needs. */
function errorBuilder (error) {
  const { status, code, detail, source } = error
  return { status, code, detail, source }
}

function client (bearer) {
  const api = new JsonApi({ apiUrl: API, pluralize: false, logger: false, bearer, errorBuilder })
  // A connection per request: Node keeps idle connections open, and reusing one just as gunicorn closes it
  // (after its 2-second keep-alive) fails with "socket hang up" on a slow machine.
  api.axios.defaults.httpAgent = new http.Agent({ keepAlive: false })
  const rel = (type, jsonApi = 'hasOne') => ({ jsonApi, type })
  api.define('user', {
    email: '', password: '', 'first-name': '', 'last-name': '', 'date-joined': ''
  }, { collectionPath: 'users', readOnly: ['date-joined'] })
  api.define('event', {
    name: '',
    identifier: '',
    description: '',
    'starts-at': '',
    'ends-at': '',
    timezone: '',
    'payment-currency': '',
    'created-at': '',
    owner: rel('user')
  }, { collectionPath: 'events', readOnly: ['identifier', 'created-at', 'owner'] })
  api.define('ticket', {
    name: '',
    description: '',
    'ticket-type': '',
    price: '',
    quantity: 0,
    'sold-count': 0,
    'min-price': '',
    'max-price': '',
    position: 0,
    'min-order': 0,
    'max-order': 0,
    'sales-starts-at': '',
    'sales-ends-at': '',
    'is-hidden': false,
    'created-at': '',
    event: rel('event'),
    'discount-code': rel('discount-code')
  }, { collectionPath: 'tickets', readOnly: ['sold-count', 'created-at'] })
  // No readOnly list here on purpose: a client that saves back what it fetched echoes `used-count` and
  // `created-at`, which the server ignores (README, "API").
  api.define('discount-code', {
    code: '',
    'discount-url': '',
    value: '',
    'discount-type': '',
    'is-active': true,
    'tickets-number': 0,
    'min-quantity': 0,
    'max-quantity': 0,
    'valid-from': '',
    'valid-till': '',
    'used-for': '',
    'created-at': '',
    'used-count': 0,
    event: rel('event'),
    tickets: rel('ticket', 'hasMany'),
    marketer: rel('user')
  }, { collectionPath: 'discount-codes', readOnly: ['marketer'] })
  // Remember every request (compared with the README's) and the last document sent (what a save-back carries).
  api.insertMiddlewareBefore('axios-request', {
    name: 'remember-sent',
    req: (payload) => {
      requests.push([payload.req.method, new URL(payload.req.url).pathname.slice(new URL(API).pathname.length)])
      api.sent = payload.req.data
      return payload
    }
  })
  return api
}

function say (step, facts) {
  process.stdout.write(JSON.stringify({ step, ...facts }) + '\n')
}

/* A step that must be refused: resolves to devour's errors object (keyed by the pointer's last segment). */
async function refused (promise) {
  try {
    await promise
  } catch (errors) {
    if (errors instanceof Error) throw errors
    return Object.values(errors)
  }
  throw new Error('expected the server to refuse this request')
}

const ids = (resources) => resources.map((r) => r.id)
const names = (resources) => resources.map((r) => r.name)

async function main () {
  const anonymous = client()
  let step = 'sign-up'
  try {
    const user = (await anonymous.create('user', { email: EMAIL, password: PASSWORD })).data
    say(step, { id: user.id, email: user.email, password: user.password ?? null })

    step = 'log-in' // plain JSON, not JSON:API (README)
    requests.push(['POST', '/auth/login'])
    const answer = await fetch(`${API}/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: EMAIL, password: PASSWORD })
    })
    const token = (await answer.json()).access_token
    say(step, { status: answer.status, token: typeof token === 'string' && token.length > 0 })
    const api = client(token)

    step = 'create-event'
    const event = (await api.create('event', {
      name: 'PyCon',
      'starts-at': '2027-05-01T09:00:00+02:00',
      'ends-at': '2027-05-03T18:00:00+02:00',
      'payment-currency': 'EUR'
    })).data
    say(step, { id: event.id, name: event.name, currency: event['payment-currency'], timezone: event.timezone })

    step = 'create-tickets'
    const ticket = async (name) => (await api.create('ticket', {
      name, 'ticket-type': 'paid', price: '50.00', event: { id: event.id }
    })).data
    const [t1, t2, t3] = [await ticket('Early'), await ticket('Student'), await ticket('Regular')]
    say(step, { ids: ids([t1, t2, t3]), names: names([t1, t2, t3]), prices: [t1.price, t2.price, t3.price] })

    step = 'create-code'
    const created = (await api.create('discount-code', {
      code: 'EARLY',
      value: '10.00',
      'discount-type': 'amount',
      'used-for': 'ticket',
      event: { id: event.id },
      tickets: [{ id: t1.id }]
    })).data
    say(step, { id: created.id, code: created.code, value: created.value, tickets: ids(created.tickets) })
    const code = created.id
    const linkage = () => api.one('discount-code', code).relationships('tickets')

    step = 'add-tickets' // POST .../relationships/tickets
    say(step, { tickets: ids((await linkage().post([{ id: t2.id }])).data) })

    step = 'replace-tickets' // PATCH .../relationships/tickets
    say(step, { tickets: ids((await linkage().patch([{ id: t2.id }, { id: t3.id }])).data) })

    step = 'remove-tickets' // DELETE .../relationships/tickets (devour sends this body as given)
    await linkage().destroy([{ type: 'ticket', id: t3.id }])
    say(step, { tickets: ids((await api.find('discount-code', code)).data.tickets) })

    step = 'read-with-include' // ?include=tickets,event
    const read = (await api.find('discount-code', code, { include: 'tickets,event' })).data
    say(step, { code: read.code, event: read.event.name, tickets: names(read.tickets) })

    step = 'code-tickets' // the code's tickets, ?include=event&page[size]=50&sort=-price
    const listed = await api.one('discount-code', code).all('ticket').get({
      include: 'event', page: { size: 50 }, sort: '-price'
    })
    say(step, {
      tickets: names(listed.data),
      events: listed.data.map((t) => t.event.name),
      count: listed.meta.pagination.count
    })

    step = 'public-check' // no login
    const checked = (await anonymous.one('event', event.id).one('discount-code', 'early').get()).data
    say(step, { value: checked.value, type: checked['discount-type'], tickets: ids(checked.tickets) })

    step = 'paginate' // the event's tickets two a page, following links.next to the end
    const pages = []
    let page = await api.one('event', event.id).all('ticket').get({ page: { size: 2 } })
    pages.push(names(page.data))
    while (page.links.next) {
      page = await api.request(page.links.next)
      pages.push(names(page.data))
    }
    say(step, { pages, count: page.meta.pagination.count })

    step = 'rename' // fetch, change `code`, save back the whole resource as devour does
    const fetched = (await api.find('discount-code', code)).data
    fetched.code = 'EARLYBIRD'
    const renamed = (await api.update('discount-code', fetched)).data
    const sent = api.sent.data
    say(step, {
      code: renamed.code,
      sent: [...Object.keys(sent.attributes), ...Object.keys(sent.relationships)].sort(),
      tickets: ids(renamed.tickets)
    })

    step = 'validation-error' // an amount above the price of an attached ticket: 422 with a pointer
    const errors = await refused(api.update('discount-code', { id: code, value: '80.00' }))
    const after = (await api.find('discount-code', code)).data
    say(step, { errors, value: after.value })

    step = 'delete'
    await api.destroy('discount-code', code)
    const gone = await refused(api.find('discount-code', code))
    const kept = (await api.find('ticket', t2.id)).data
    say(step, { gone, ticket: kept.name, ticketCode: kept['discount-code'] ?? null })
    say('requests', { sent: requests })
  } catch (error) {
    // An Error (network, client) or devour's errors object; a server's HTML or debug page is cut short.
    const failed = error instanceof Error ? `${error.name}: ${error.message}` : error
    say(step, { failed: JSON.parse(JSON.stringify(failed, (k, v) => typeof v === 'string' ? v.slice(0, 300) : v)) })
    process.exitCode = 1
  }
}

main()
