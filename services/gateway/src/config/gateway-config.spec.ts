import { readGatewayEnv } from './gateway-config';

describe('readGatewayEnv: the model check', () => {
  it("checks the vendors' own APIs every 6 hours by default", () => {
    expect(readGatewayEnv({})).toMatchObject({ modelCheck: 'auto', modelRecheckHours: 6 });
  });

  it('GATEWAY_MODEL_CHECK=on checks every provider with a key; off none', () => {
    expect(readGatewayEnv({ GATEWAY_MODEL_CHECK: 'on' }).modelCheck).toBe('all');
    expect(readGatewayEnv({ GATEWAY_MODEL_CHECK: 'off' }).modelCheck).toBe('off');
  });

  it('names the variable and what to set when a value is wrong', () => {
    expect(() => readGatewayEnv({ GATEWAY_MODEL_CHECK: 'yes' })).toThrow(
      "GATEWAY_MODEL_CHECK=yes: expected auto (vendors' own APIs), on (every provider with a key) or off",
    );
    expect(() => readGatewayEnv({ GATEWAY_MODEL_CHECK_HOURS: '0' })).toThrow(
      'GATEWAY_MODEL_CHECK_HOURS=0: expected hours between model-list checks, from 0.1 to 168; unset it for 6',
    );
  });
});
