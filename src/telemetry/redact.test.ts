import { describe, expect, it } from 'vitest';
import { createRedactor, passesLuhn } from './redact.js';

const redactor = createRedactor();

describe('redactText masks', () => {
  it.each([
    ['an email', 'mail jane.doe+tag@example.co.uk today', 'mail [EMAIL] today'],
    ['an email in angle brackets', 'From: <ops@switchyard.dev>', 'From: <[EMAIL]>'],
    ['a US phone with dashes', 'call 555-123-4567 now', 'call [PHONE] now'],
    ['a US phone with dots', 'call 415.555.2671.', 'call [PHONE].'],
    ['a US phone with parentheses', 'call (415) 555-2671', 'call [PHONE]'],
    ['a US phone with +1', 'call +1 415 555 2671', 'call [PHONE]'],
    ['a US phone with 1- prefix', 'call 1-800-555-1234', 'call [PHONE]'],
    ['a US phone with +1 and spaces', 'call +1 415 555 0100', 'call [PHONE]'],
    ['a UK phone', 'ring +44 20 7946 0958 please', 'ring [PHONE] please'],
    ['a French phone', 'tel +33 1 23 45 67 89', 'tel [PHONE]'],
    ['a German phone', 'tel +49 30 123456', 'tel [PHONE]'],
    ['an E.164 phone', 'sms +14155552671', 'sms [PHONE]'],
    ['a phone with a parenthesised area code', '+1 (415) 555-2671', '[PHONE]'],
    ['a Visa card', 'card 4111 1111 1111 1111 exp', 'card [CARD] exp'],
    ['a dashed Mastercard', 'card 5555-5555-5555-4444', 'card [CARD]'],
    ['an unbroken Amex', 'amex 378282246310005.', 'amex [CARD].'],
    ['an OpenAI key', 'key sk-proj-abc123DEF456ghi789JKL012mno', 'key [SECRET]'],
    ['an Anthropic key', 'sk-ant-api03-AbCdEf0123456789_xyz-QRST', '[SECRET]'],
    ['an xAI key', 'xai-AbCdEf0123456789AbCdEf0123', '[SECRET]'],
    ['a Google key', 'AIzaSyA1234567890abcdefghijklmnopqrstuv', '[SECRET]'],
    ['a GitHub token', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789', '[SECRET]'],
    ['an AWS access key id', 'AKIAIOSFODNN7EXAMPLE', '[SECRET]'],
    [
      'a JWT',
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
      '[SECRET]',
    ],
    ['a bearer token', 'Authorization: Bearer abc.def-123_456', 'Authorization: Bearer [SECRET]'],
    ['a bearer key', 'bearer sk-abc123def456ghi789jkl012', 'bearer [SECRET]'],
    ['api_key= in a URL', 'GET /v1?api_key=s3cr3tvalue&x=1', 'GET /v1?api_key=[SECRET]&x=1'],
    ['api-key: in a header line', 'api-key: hunter2hunter2', 'api-key: [SECRET]'],
    ['a quoted JSON key', '{"password": "hunter2"}', '{"password": "[SECRET]"}'],
    ['x-api-key', 'x-api-key=abcd1234', 'x-api-key=[SECRET]'],
    ['a long letters-only secret', 'secret=correcthorsebatterystaple', 'secret=[SECRET]'],
    ['a numeric password', 'password: 123456', 'password: [SECRET]'],
    ['several kinds at once', 'a@b.io 555-123-4567', '[EMAIL] [PHONE]'],
    [
      'every kind in one text',
      'Mail a.b@example.org or call +44 20 7946 0958 / (415) 555-2671, card 4111 1111 1111 1111, key sk-proj-abc123DEF456ghi789JKL012mno, Bearer abc.def-123_456, password: hunter2hunter2',
      'Mail [EMAIL] or call [PHONE] / [PHONE], card [CARD], key [SECRET], Bearer [SECRET], password: [SECRET]',
    ],
    ['a secret in text without digits, @ or +', 'token=abcdefghijklmnopqrstuv', 'token=[SECRET]'],
    ['an email in text without digits', 'write to ops@switchyard.dev', 'write to [EMAIL]'],
  ])('%s', (_name, input, expected) => {
    expect(redactor.redactText(input)).toBe(expected);
  });
});

describe('redactText leaves alone', () => {
  it.each([
    ['a year', 'in 2024 we shipped'],
    ['a date', 'on 2024-05-01 at 10:20:30'],
    ['an ISO timestamp', '2024-05-01T10:20:30.123Z'],
    ['token counts', 'used 1500 tokens of 128000, token: 4096'],
    ['a list of sizes', 'sizes 256 512 1024'],
    ['a version', 'node v20.18.1 and 1.2.3.4'],
    ['an IPv4 address (off by default)', 'host 10.0.0.1 port 8080'],
    ['a bare 10-digit number', 'order 4155552671 shipped'],
    ['a short local number', 'ext 555-1234'],
    ['a 16-digit number failing Luhn', 'id 4111 1111 1111 1112'],
    ['a Luhn-valid number not starting 2-6', 'id 0000000000000000'],
    ['a long numeric id', 'trace 12345678901234567890123'],
    ['arithmetic', '3+4 = 7 and x +1 2'],
    ['a price', 'costs $1,234.56 or 1 234 567'],
    ['the word bearer', 'Bearer authentication is common'],
    ['sk- in prose', 'we use sk-learn-pipeline-for-production daily'],
    ['an at sign without a domain', 'ping @channel or user@localhost'],
    ['a decimal', 'pi is 3.14159265358979'],
    ['an existing label', 'api_key=[SECRET] and [EMAIL]'],
    ['a short string', 'ok'],
    ['a key name followed by prose', 'Password: what makes a good one? Token: explain it'],
  ])('%s', (_name, input) => {
    expect(redactor.redactText(input)).toBe(input);
  });
});

describe('createRedactor', () => {
  it('masks IPv4 addresses when asked to, without touching versions that are not addresses', () => {
    const withIp = createRedactor([], { ipAddresses: true });
    expect(withIp.redactText('from 192.168.1.20, then 10.0.0.1.')).toBe('from [IP], then [IP].');
    expect(withIp.redactText('v1.2.3 and 999.1.1.1')).toBe('v1.2.3 and 999.1.1.1');
  });

  it('applies extra patterns from config, including /source/flags literals', () => {
    const custom = createRedactor(['EMP-\\d{6}', '/project\\s+falcon/i']);
    expect(custom.redactText('EMP-123456 on Project Falcon')).toBe('[REDACTED] on [REDACTED]');
  });

  it('rejects an invalid extra pattern with its source in the message', () => {
    expect(() => createRedactor(['(unclosed'])).toThrow(/\(unclosed/);
  });

  it('rejects an extra pattern that matches the empty string', () => {
    expect(() => createRedactor(['x*'])).toThrow(/empty string/);
  });

  it('is idempotent', () => {
    const once = redactor.redactText('jane@example.com 555-123-4567 api_key=abc123');
    expect(redactor.redactText(once)).toBe(once);
  });

  it('scans a large body in linear time', () => {
    const body = `${'a'.repeat(200_000)} ${'1'.repeat(200_000)} ${'x@'.repeat(50_000)}`;
    const started = performance.now();
    redactor.redactText(body);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe('redactValue', () => {
  it('redacts strings in messages and content parts without modifying the input', () => {
    const request = {
      model: 'auto',
      messages: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'I am jane@example.com, card 4111-1111-1111-1111' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          ],
        },
      ],
      max_tokens: 4096,
      stream: true,
    };
    const original = structuredClone(request);
    const redacted = redactor.redactValue(request);
    expect(redacted).toEqual({
      model: 'auto',
      messages: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'I am [EMAIL], card [CARD]' },
            { type: 'image_url', image_url: { url: '[IMAGE base64 8 bytes]' } },
          ],
        },
      ],
      max_tokens: 4096,
      stream: true,
    });
    expect(request).toEqual(original);
  });

  it('masks values of credential-named keys whatever they look like', () => {
    expect(
      redactor.redactValue({
        headers: { Authorization: 'xyz', 'X-Api-Key': 'abc', accept: 'application/json' },
        api_key: 'short',
        password: '',
      }),
    ).toEqual({
      headers: { Authorization: '[SECRET]', 'X-Api-Key': '[SECRET]', accept: 'application/json' },
      api_key: '[SECRET]',
      password: '',
    });
  });

  it('replaces non-image data URLs and long bare base64 by their size', () => {
    const audio = Buffer.alloc(3000, 7).toString('base64');
    expect(
      redactor.redactValue({
        file: 'data:application/pdf;base64,AAAA',
        input_audio: { data: audio, format: 'wav' },
      }),
    ).toEqual({
      file: '[DATA application/pdf base64 3 bytes]',
      input_audio: { data: '[BASE64 3000 bytes]', format: 'wav' },
    });
  });

  it('redacts tool-call arguments, which are JSON inside a string', () => {
    const message = {
      role: 'assistant',
      tool_calls: [
        {
          id: 'c1',
          type: 'function',
          function: { name: 'lookup', arguments: '{"email":"bob@corp.example"}' },
        },
      ],
    };
    expect(redactor.redactValue(message).tool_calls[0]?.function.arguments).toBe(
      '{"email":"[EMAIL]"}',
    );
  });

  it('cuts nesting deeper than its bound', () => {
    let value: unknown = 'jane@example.com';
    for (let depth = 0; depth < 100; depth += 1) value = [value];
    expect(JSON.stringify(redactor.redactValue(value))).toContain('[TRUNCATED]');
  });

  it('passes numbers, booleans and null through', () => {
    expect(redactor.redactValue([1, true, null, 2024])).toEqual([1, true, null, 2024]);
  });
});

describe('passesLuhn', () => {
  it.each([
    ['4111111111111111', true],
    ['4111111111111112', false],
    ['79927398713', true],
    ['12a4', false],
  ])('%s → %s', (digits, expected) => {
    expect(passesLuhn(digits)).toBe(expected);
  });
});
