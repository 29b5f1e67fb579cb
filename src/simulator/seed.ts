/**
 * Seeds: the account, numbers, trunks and money a simulator starts with. `defaultSeed()`
 * builds a realistic account deterministically, so two runs see the same numbers.
 */
import type { AccountRole, Capabilities } from './model.ts';

export interface SeedNumber {
  e164: string;
  /** ISO 3166-1 alpha-2 code. */
  country: string;
  region?: string;
  setupFee: number;
  monthlyFee: number;
  /** ISO 4217 code of both fees. */
  currency: string;
  capabilities?: Capabilities;
}

export interface SeedOwnedNumber extends SeedNumber {
  /** Holder: the main account (the default) or one of its sub-accounts. */
  accountId?: string;
  trunkGroupId?: string;
  /** RFC 3339 time of the number's last call; starts its sub-account cool-off. */
  lastCallAt?: string;
}

export interface SimulatorSeed {
  account: { authId: string; authToken: string; name?: string; email?: string; role?: AccountRole };
  subAccounts?: Array<{ authId: string; name: string; authToken?: string }>;
  trunks?: Array<{ trunkId: string; name: string }>;
  /** Balance per ISO 4217 currency code. */
  balances?: Record<string, number>;
  /** Fee a release charges, in the number's currency. Default 7. */
  releaseFee?: number;
  inventory?: SeedNumber[];
  owned?: SeedOwnedNumber[];
}

/** A partial seed, added to a running simulator through the test controls. */
export type SimulatorSeedPatch = Partial<Omit<SimulatorSeed, 'account'>> & {
  account?: Partial<SimulatorSeed['account']>;
};

export interface DefaultSeedOptions {
  /** Role of the main account. Default `admin`. */
  role?: AccountRole;
  /** Inventory numbers per country. Default 75, so 300 in all. */
  inventoryPerCountry?: number;
}

/** Credentials of the default seed. They open only a local simulator and are no Vobiz secret. */
export const defaultAuthId = 'MA_SIMULATOR1';
export const defaultAuthToken = 'simulator-token-not-a-vobiz-secret';

export const defaultTrunkIds = ['3f1c6a2e-0b7d-4c55-9e8a-1d2f3a4b5c01', '3f1c6a2e-0b7d-4c55-9e8a-1d2f3a4b5c02'] as const;
export const defaultSubAccountIds = ['SA_SIMTEAM01', 'SA_SIMTEAM02'] as const;

const voiceAndSms: Capabilities = { voice: true, sms: true, mms: false, fax: false };
const voiceOnly: Capabilities = { voice: true, sms: false, mms: false, fax: false };

interface CountryPlan {
  country: string;
  currency: string;
  setupFee: number;
  monthlyFee: number;
  capabilities: Capabilities;
  /** Number blocks: E.164 prefix and region; numbers are prefix + a zero-padded serial. */
  blocks: Array<{ prefix: string; digits: number; region: string }>;
}

// The US and UK blocks lie in the ranges those countries set aside for fiction and drama
// (NANP 555-0100 to 0199, Ofcom 020 7946 0000 to 0999). The DE and IN blocks are made up
// and may belong to real subscribers; the simulator never dials any number.
const countryPlans: CountryPlan[] = [
  {
    country: 'US',
    currency: 'USD',
    setupFee: 1,
    monthlyFee: 1.15,
    capabilities: voiceAndSms,
    blocks: [
      { prefix: '+1415555', digits: 4, region: 'California' },
      { prefix: '+1212555', digits: 4, region: 'New York' },
    ],
  },
  {
    country: 'GB',
    currency: 'GBP',
    setupFee: 1,
    monthlyFee: 1.5,
    capabilities: voiceOnly,
    blocks: [{ prefix: '+44207946', digits: 4, region: 'London' }],
  },
  {
    country: 'DE',
    currency: 'EUR',
    setupFee: 2,
    monthlyFee: 1.9,
    capabilities: voiceOnly,
    blocks: [{ prefix: '+4930901820', digits: 2, region: 'Berlin' }],
  },
  {
    country: 'IN',
    currency: 'INR',
    setupFee: 0,
    monthlyFee: 149,
    capabilities: voiceAndSms,
    blocks: [{ prefix: '+91804000', digits: 4, region: 'Karnataka' }],
  },
];

function inventoryFor(plan: CountryPlan, count: number): SeedNumber[] {
  const numbers: SeedNumber[] = [];

  for (let index = 0; index < count; index += 1) {
    const block = plan.blocks[index % plan.blocks.length];
    if (block === undefined) break;

    // US and UK serials start at 0100, inside the fictional 01xx range.
    const serial = Math.floor(index / plan.blocks.length) + (block.digits === 4 ? 100 : 0);
    if (serial >= 10 ** block.digits) break;

    numbers.push({
      e164: block.prefix + String(serial).padStart(block.digits, '0'),
      country: plan.country,
      region: block.region,
      setupFee: plan.setupFee,
      monthlyFee: plan.monthlyFee,
      currency: plan.currency,
      capabilities: plan.capabilities,
    });
  }
  return numbers;
}

/** A main account with two sub-accounts, two trunks, balances in four currencies and a few hundred numbers for sale. */
export function defaultSeed(options: DefaultSeedOptions = {}): SimulatorSeed {
  const perCountry = options.inventoryPerCountry ?? 75;

  return {
    account: {
      authId: defaultAuthId,
      authToken: defaultAuthToken,
      name: 'Simulator main account',
      email: 'platform@example.com',
      role: options.role ?? 'admin',
    },
    subAccounts: [
      { authId: defaultSubAccountIds[0], name: 'Support team', authToken: 'simulator-sub-account-token-1' },
      { authId: defaultSubAccountIds[1], name: 'Sales team', authToken: 'simulator-sub-account-token-2' },
    ],
    trunks: [
      { trunkId: defaultTrunkIds[0], name: 'primary-sip' },
      { trunkId: defaultTrunkIds[1], name: 'failover-sip' },
    ],
    balances: { USD: 500, GBP: 200, EUR: 200, INR: 20_000 },
    releaseFee: 7,
    inventory: countryPlans.flatMap((plan) => inventoryFor(plan, perCountry)),
    owned: [],
  };
}
