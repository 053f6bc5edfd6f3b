// The official openai SDK for Node (the version package-lock.json pins) against
// a running harbor gateway. openai_node_test.go starts the gateway on the mock
// vendors, scripts their faults, runs this script and checks what it prints:
// one JSON object, each case's outcome by name (see outcome in cases_test.go,
// which the Go SDK's test fills in the same way). The script asserts nothing
// itself; a case that throws where it should not is reported as its error.
//
//   HARBOR_BASE_URL  the gateway's base URL (http://127.0.0.1:PORT/v1)
//   HARBOR_KEYS      JSON: {"example", "limited", "narrow", "broke"} virtual keys
//
// The cases run one after another, in the order the vendors' faults are
// scripted (cases_test.go, scriptVendors).

import OpenAI from "openai";

const baseURL = process.env.HARBOR_BASE_URL;
const keys = JSON.parse(process.env.HARBOR_KEYS);

const client = new OpenAI({ baseURL, apiKey: keys.example });
// Error cases: no retries, so that one call is one request and its error is the gateway's answer.
const once = (apiKey = keys.example) => new OpenAI({ baseURL, apiKey, maxRetries: 0 });

const user = (content) => [{ role: "user", content }];

// The SDK's error classes an error is an instance of, most specific first.
const classes = [
  "BadRequestError", "AuthenticationError", "PermissionDeniedError", "NotFoundError", "ConflictError",
  "UnprocessableEntityError", "RateLimitError", "InternalServerError", "APIConnectionError", "APIError",
];

function errorOutcome(err) {
  const e = { classes: classes.filter((c) => err instanceof OpenAI[c]), message: String(err.message) };
  if (err instanceof OpenAI.APIError) {
    e.status = err.status ?? 0;
    e.type = err.type ?? "";
    e.code = err.code ?? "";
    e.param = err.param ?? "";
    e.retry_after = err.headers?.get?.("retry-after") ?? "";
  }
  return { error: e };
}

function completionOutcome(res) {
  const c = res.choices[0];
  return {
    object: res.object,
    model: res.model,
    content: c.message.content ?? "",
    finish_reason: c.finish_reason,
    total_tokens: res.usage?.total_tokens ?? 0,
    request_id: res._request_id ?? "",
  };
}

// A tool the mocks call when it is offered.
const lookup = {
  type: "function",
  function: {
    name: "lookup",
    description: "Looks a word up.",
    parameters: { type: "object", properties: { query: { type: "string" } }, required: ["query"] },
  },
};

// The structured-output schema (cases_test.go, citySchema).
const citySchema = {
  type: "object",
  properties: {
    city: { type: "string" },
    population: { type: "integer", minimum: 0 },
    landmarks: { type: "array", items: { type: "string" } },
  },
  required: ["city", "population", "landmarks"],
  additionalProperties: false,
};

const cases = {
  async models() {
    const ids = [];
    for await (const m of client.models.list()) ids.push(m.id);
    const one = await client.models.retrieve("fast");
    const slashed = await client.models.retrieve("deepseek/deepseek-v4-pro");
    return { models: ids, retrieved: one.id, retrieved_slashed: slashed.id };
  },

  async plain() {
    const res = await client.chat.completions.create({
      model: "fast",
      messages: [{ role: "developer", content: "Be brief." }, ...user("hi")],
    });
    return completionOutcome(res);
  },

  async stream() {
    const st = await client.chat.completions.create({
      model: "fast", stream: true, stream_options: { include_usage: true }, messages: user("hi there"),
    });
    const out = { content: "", chunks: 0, objects: [], usage_chunks: 0, total_tokens: 0, finish_reason: "" };
    for await (const ch of st) {
      out.chunks++;
      if (!out.objects.includes(ch.object)) out.objects.push(ch.object);
      for (const c of ch.choices) {
        out.content += c.delta?.content ?? "";
        if (c.finish_reason) out.finish_reason = c.finish_reason;
      }
      if (ch.usage) {
        out.usage_chunks++;
        out.total_tokens = ch.usage.total_tokens;
        out.usage_chunk_choices = ch.choices.length;
      }
    }
    return out;
  },

  // The SDK's stream helper, which assembles the chunks into a completion.
  async stream_helper() {
    const st = client.chat.completions.stream({
      model: "deepseek-v4-flash", stream_options: { include_usage: true }, messages: user("assemble me"),
    });
    return completionOutcome(await st.finalChatCompletion());
  },

  async tools() {
    const messages = user("harbor");
    const res = await client.chat.completions.create({ model: "fast", messages, tools: [lookup], tool_choice: "auto" });
    const msg = res.choices[0].message;
    const call = msg.tool_calls?.[0];
    const out = { finish_reason: res.choices[0].finish_reason, tool: call?.function.name ?? "" };
    out.tool_args = JSON.parse(call.function.arguments);
    // The second turn: the tool's result goes back, the model answers.
    messages.push(msg, { role: "tool", tool_call_id: call.id, content: "a port" });
    const next = await client.chat.completions.create({ model: "fast", messages, tools: [lookup] });
    out.content = next.choices[0].message.content ?? "";
    out.next_finish_reason = next.choices[0].finish_reason;
    return out;
  },

  async tools_stream() {
    const st = client.chat.completions.stream({ model: "fast", messages: user("harbour"), tools: [lookup] });
    const res = await st.finalChatCompletion();
    const call = res.choices[0].message.tool_calls?.[0];
    return { finish_reason: res.choices[0].finish_reason, tool: call?.function.name ?? "", tool_args: JSON.parse(call.function.arguments) };
  },

  async structured() {
    const res = await client.chat.completions.parse({
      model: "gpt-4o-mini",
      messages: user("A city, as JSON."),
      response_format: { type: "json_schema", json_schema: { name: "city", strict: true, schema: citySchema } },
    });
    return { ...completionOutcome(res), parsed: res.choices[0].message.parsed };
  },

  // A stream the vendor breaks after its first chunks: the gateway ends it with
  // an error event, which the SDK raises.
  async midstream_error() {
    const st = await client.chat.completions.create({
      model: "gpt-4o-mini", stream: true, messages: user("a stream that breaks"),
    });
    let chunks = 0;
    try {
      for await (const _ of st) chunks++;
    } catch (err) {
      return { chunks, ...errorOutcome(err) };
    }
    return { chunks };
  },

  async bad_key() {
    return once("hk-not-a-key-of-this-gateway").chat.completions.create({ model: "fast", messages: user("hi") });
  },

  async model_not_allowed() {
    return once(keys.narrow).chat.completions.create({ model: "doubao-seed-1-6-251015", messages: user("hi") });
  },

  async unknown_model() {
    return once().chat.completions.create({ model: "no-such-model", messages: user("hi") });
  },

  async invalid_temperature() {
    return once().chat.completions.create({ model: "fast", temperature: 5, messages: user("hi") });
  },

  async wrong_type() {
    return once().chat.completions.create({ model: "fast", temperature: "warm", messages: user("hi") });
  },

  async budget_exceeded() {
    const c = once(keys.broke);
    await c.chat.completions.create({ model: "fast", messages: user("the only call this budget buys") });
    return c.chat.completions.create({ model: "fast", messages: user("one too many") });
  },

  async key_rate_limited() {
    const c = once(keys.limited);
    await c.chat.completions.create({ model: "fast", messages: user("the only call a minute") });
    return c.chat.completions.create({ model: "fast", messages: user("one too many a minute") });
  },

  async too_large() {
    return once().chat.completions.create({ model: "fast", messages: user("x".repeat(5 << 20)) });
  },

  async provider_not_configured() {
    return once().chat.completions.create({ model: "moonshot-v1-8k", messages: user("hi") });
  },

  // With the SDK's retries (2 by default): the gateway's x-should-retry: false stops them.
  async not_configured_retried() {
    let requests = 0;
    const c = new OpenAI({ baseURL, apiKey: keys.example, fetch: (url, init) => { requests++; return fetch(url, init); } });
    try {
      await c.chat.completions.create({ model: "moonshot-v1-8k", messages: user("hi") });
      return { requests };
    } catch (err) {
      return { requests, ...errorOutcome(err) };
    }
  },

  async vendor_server_error() {
    return once().chat.completions.create({ model: "doubao-seed-1-6-251015", messages: user("the vendor fails") });
  },

  // The SDK's own retries: a 502, then an answer.
  async sdk_retries() {
    return completionOutcome(await client.chat.completions.create({
      model: "doubao-seed-1-6-251015", messages: user("the vendor fails once"),
    }));
  },

  async vendor_invalid() {
    return once().chat.completions.create({ model: "doubao-seed-1-6-251015", messages: user("the vendor refuses") });
  },

  async vendor_timeout() {
    return once().chat.completions.create({ model: "ernie-speed-8k", messages: user("the vendor is slow") });
  },

  async vendor_rate_limited() {
    return once().chat.completions.create({ model: "gpt-4o-mini", messages: user("the vendor is busy") });
  },
};

const out = {};
for (const [name, run] of Object.entries(cases)) {
  try {
    const res = await run();
    // An error case that succeeded reports what it got.
    out[name] = res && res.choices ? completionOutcome(res) : res ?? {};
  } catch (err) {
    out[name] = errorOutcome(err);
  }
}
process.stdout.write(JSON.stringify(out) + "\n");
