import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GraphError } from '../src/errors/graph-errors.ts';
import { encodeSkipToken, parseQuery, type ResourceShape } from '../src/graph-api/odata.ts';

const SHAPE: ResourceShape = {
  type: 'microsoft.graph.signIn',
  properties: {
    id: { type: 'guid', filter: ['eq'] },
    userPrincipalName: { type: 'string', filter: ['eq', 'startswith'] },
    createdDateTime: { type: 'dateTime', filter: ['ge', 'le'] },
    'status/errorCode': { type: 'integer', filter: ['eq'] },
    isInteractive: { type: 'boolean', filter: ['eq'] },
    appDisplayName: { type: 'string' },
  },
};

function unsupported(query: Record<string, unknown>, message: RegExp) {
  assert.throws(
    () => parseQuery(query, SHAPE),
    (e: unknown) =>
      e instanceof GraphError && e.code === 'Request_UnsupportedQuery' && message.test(e.message),
    JSON.stringify(query),
  );
}

describe('OData: the query options of the Graph API', () => {
  it('OData: $filter: eq, ge, le and startswith joined by and, typed by the property', () => {
    const q = parseQuery(
      {
        $filter:
          "createdDateTime ge 2026-11-01T00:00:00Z and createdDateTime le 2026-11-23T12:00:00Z and startswith(userPrincipalName,'o''brien') and status/errorCode eq 50076 and isInteractive eq true",
      },
      SHAPE,
    );
    assert.deepEqual(q.filter, [
      { property: 'createdDateTime', operator: 'ge', value: Date.parse('2026-11-01T00:00:00Z') },
      { property: 'createdDateTime', operator: 'le', value: Date.parse('2026-11-23T12:00:00Z') },
      { property: 'userPrincipalName', operator: 'startswith', value: "o'brien" },
      { property: 'status/errorCode', operator: 'eq', value: 50076 },
      { property: 'isInteractive', operator: 'eq', value: true },
    ]);
    assert.deepEqual(parseQuery({ $filter: "id eq 'AB2B4C6D-1111-4222-8333-944455556666'" }, SHAPE).filter, [
      { property: 'id', operator: 'eq', value: 'ab2b4c6d-1111-4222-8333-944455556666' },
    ]);
  });

  it('OData: $filter: what the resource does not offer, or malformed text, is Request_UnsupportedQuery', () => {
    unsupported({ $filter: "mail eq 'x'" }, /Could not find a property named 'mail'/);
    unsupported({ $filter: "appDisplayName eq 'x'" }, /does not support the 'eq' filter/);
    unsupported({ $filter: 'createdDateTime eq 2026-11-01T00:00:00Z' }, /does not support the 'eq'/);
    unsupported({ $filter: "userPrincipalName ne 'x'" }, /operator 'ne' is not supported/);
    unsupported({ $filter: "userPrincipalName eq 'a' or userPrincipalName eq 'b'" }, /Only 'and'/);
    unsupported({ $filter: 'createdDateTime ge yesterday' }, /must be a dateTime/);
    unsupported({ $filter: "status/errorCode eq '0'" }, /must be an integer/);
    unsupported({ $filter: "id eq 'not-a-guid'" }, /must be a guid/);
    // Stored as 32-bit integers: PostgreSQL would refuse the comparison (a 500) rather than match nothing.
    for (const n of ['1.5', '99999999999', '2147483648'])
      unsupported({ $filter: `status/errorCode eq ${n}` }, /must be an integer/);
    assert.equal(
      parseQuery({ $filter: 'status/errorCode eq -2147483647' }, SHAPE).filter[0]?.value,
      -2147483647,
    );
    unsupported({ $filter: "userPrincipalName eq 'unterminated" }, /Invalid \$filter/);
    unsupported({ $filter: 'userPrincipalName eq' }, /ends too early/);
    unsupported({ $filter: 'startswith(userPrincipalName,1)' }, /quoted string/);
  });

  it('OData: $top is 1..max (default 100); $select names known properties; unknown options are refused, not ignored', () => {
    assert.equal(parseQuery({}, SHAPE).top, 100);
    assert.equal(parseQuery({ $top: '5' }, SHAPE).top, 5);
    for (const top of ['0', '1000', '-1', '2.5', 'ten']) unsupported({ $top: top }, /\$top must be/);
    assert.deepEqual(parseQuery({ $select: 'userPrincipalName, id,id' }, SHAPE).select, [
      'userPrincipalName',
      'id',
    ]);
    unsupported({ $select: 'id,password' }, /property named 'password'/);
    unsupported({ $orderby: 'createdDateTime' }, /\$orderby is not supported/);
    unsupported({ $top: ['1', '2'] }, /given once/);
    assert.equal(parseQuery({ api_version: '1' }, SHAPE).top, 100, 'non-OData parameters are not options');
  });

  it('OData: $skiptoken round-trips the key of the last row; a tampered one is refused', () => {
    assert.deepEqual(parseQuery({ $skiptoken: encodeSkipToken([1700000000000, 'abc']) }, SHAPE).after, [
      1700000000000,
      'abc',
    ]);
    unsupported({ $skiptoken: 'bm90IGpzb24' }, /\$skiptoken is not valid/);
    unsupported({ $skiptoken: encodeSkipToken([]) }, /\$skiptoken is not valid/);
    unsupported({ $skiptoken: Buffer.from('[{"a":1}]').toString('base64url') }, /\$skiptoken is not valid/);
  });
});
