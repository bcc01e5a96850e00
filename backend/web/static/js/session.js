/** The signed-in session: token and user, kept in sessionStorage (this tab only). */

const KEY = 'itris-sync.session';

function read() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY)) || null;
  } catch {
    return null;
  }
}

export const session = {
  token() {
    return read()?.token || null;
  },
  user() {
    return read()?.user || null;
  },
  save(token, user) {
    sessionStorage.setItem(KEY, JSON.stringify({ token, user }));
  },
  updateUser(user) {
    const current = read();
    if (current) this.save(current.token, user);
  },
  clear() {
    sessionStorage.removeItem(KEY);
  },
  isAdmin() {
    return read()?.user?.role === 'admin';
  },
};
