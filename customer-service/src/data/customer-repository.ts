import type { Db } from '@shop/platform/runtime';
import type { Customer, CustomerRole } from '../domain/customer.js';
import type { CustomerCredentials, CustomerStore } from '../domain/stores.js';

interface CustomerRow {
  id: string;
  name: string;
  email: string;
  password_hash: string;
  role: CustomerRole;
  created_at: string;
  updated_at: string;
}

const PUBLIC_COLUMNS = 'id, name, email, role, created_at, updated_at';

function toCustomer(row: Omit<CustomerRow, 'password_hash'>): Customer {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    role: row.role,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

export function createCustomerRepository(db: Db): CustomerStore {
  const byId = db.prepare<[string], Omit<CustomerRow, 'password_hash'>>(
    `SELECT ${PUBLIC_COLUMNS} FROM customers WHERE id = ?`,
  );
  const credentialsByEmail = db.prepare<[string], CustomerRow>('SELECT * FROM customers WHERE email = ?');
  const emailOwner = db.prepare<[string], { id: string }>('SELECT id FROM customers WHERE email = ?');
  const insert = db.prepare(
    `INSERT INTO customers (id, name, email, password_hash, role, created_at, updated_at)
     VALUES (@id, @name, @email, @passwordHash, @role, @createdAt, @updatedAt)`,
  );
  const update = db.prepare(
    `UPDATE customers SET name = coalesce(@name, name), email = coalesce(@email, email),
       role = coalesce(@role, role), updated_at = @updatedAt WHERE id = @id`,
  );
  const page = db.prepare<[number, number], Omit<CustomerRow, 'password_hash'>>(
    `SELECT ${PUBLIC_COLUMNS} FROM customers ORDER BY created_at, id LIMIT ? OFFSET ?`,
  );
  const total = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM customers');
  const matchClause = "(email LIKE @pattern ESCAPE '\\' OR name LIKE @pattern ESCAPE '\\')";
  const searchPage = db.prepare<[{ pattern: string; limit: number; offset: number }], Omit<CustomerRow, 'password_hash'>>(
    `SELECT ${PUBLIC_COLUMNS} FROM customers WHERE ${matchClause} ORDER BY created_at, id LIMIT @limit OFFSET @offset`,
  );
  const searchTotal = db.prepare<[{ pattern: string }], { n: number }>(
    `SELECT COUNT(*) AS n FROM customers WHERE ${matchClause}`,
  );
  const countByRole = db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM customers WHERE role = ?');
  const byRole = db.prepare<[string], Omit<CustomerRow, 'password_hash'>>(
    `SELECT ${PUBLIC_COLUMNS} FROM customers WHERE role = ? ORDER BY created_at, id`,
  );
  const setPasswordHash = db.prepare<[string, string, string]>(
    'UPDATE customers SET password_hash = ?, updated_at = ? WHERE id = ?',
  );

  return {
    findById(id) {
      const row = byId.get(id);
      return row ? toCustomer(row) : undefined;
    },
    findCredentialsByEmail(email) {
      const row = credentialsByEmail.get(email);
      return row ? { ...toCustomer(row), passwordHash: row.password_hash } : undefined;
    },
    emailTaken(email, exceptId) {
      const owner = emailOwner.get(email);
      return owner !== undefined && owner.id !== exceptId;
    },
    insert(customer: CustomerCredentials) {
      insert.run(customer);
    },
    update(id, changes, updatedAt) {
      update.run({
        id,
        name: changes.name ?? null,
        email: changes.email ?? null,
        role: changes.role ?? null,
        updatedAt,
      });
    },
    list({ offset, limit, search }) {
      if (search === undefined || search === '') {
        return { rows: page.all(limit, offset).map(toCustomer), total: total.get()?.n ?? 0 };
      }
      const pattern = `%${escapeLike(search)}%`;
      return {
        rows: searchPage.all({ pattern, limit, offset }).map(toCustomer),
        total: searchTotal.get({ pattern })?.n ?? 0,
      };
    },
    countByRole(role) {
      return countByRole.get(role)?.n ?? 0;
    },
    listByRole(role) {
      return byRole.all(role).map(toCustomer);
    },
    setPasswordHash(id, passwordHash, updatedAt) {
      setPasswordHash.run(passwordHash, updatedAt, id);
    },
  };
}
