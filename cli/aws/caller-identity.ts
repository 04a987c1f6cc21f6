/** Who rollbackctl acts as, and in which region: one GetCallerIdentity (STS loaded only when asked). */
export async function callerIdentity(region: string | undefined): Promise<{ account?: string; arn?: string; region?: string }> {
  const { GetCallerIdentityCommand, STSClient } = await import('@aws-sdk/client-sts');
  const sts = new STSClient(region ? { region } : {});
  try {
    // Without a region the call itself fails with "Region is missing", which callers say in words.
    const [identity, resolved] = await Promise.all([sts.send(new GetCallerIdentityCommand({})), sts.config.region().catch(() => undefined)]);
    return { account: identity.Account, arn: identity.Arn, region: resolved };
  } finally {
    sts.destroy();
  }
}
