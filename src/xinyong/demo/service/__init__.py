"""The demo city: a synthetic, realistic 密山市 with many market entities, their people and demo accounts.

Everything generated is synthetic (the town names are real, villages, streets, trade names and people are
invented) and deterministic for a given seed on a given starting database.

Shape of the data
    * Unified Social Credit Codes valid by GB 32100 and GB 11714 (:func:`make_uscc`), registered at 密山市
      (230382) and a few at 鸡西市 (230300); 9… codes for enterprises (~35 %), 个体工商户 (~60 %) and 农民专业合作社
      (~3 %); N2… 村级集体经济组织, 51…/52… 社会团体/民办非企业单位 and a few Y1… codes.
    * Organisation-code bodies grow with the entity's primary key in gapped series (real codes are issued in
      sequence), so codes never collide with earlier demo runs; a code already in the database is skipped too.
      Post-2015 bodies look like ``MA1B3N1N`` (``MAC…`` for the newest); enterprises registered before the 2015
      reform carry an all-digit body and their old 15-digit 工商注册号 and 9-character 组织机构代码.
    * Each entity has a legal representative (法定代表人, or the 经营者 of a 个体工商户, both role ``legal_rep``);
      about 2 % of those people represent two entities; about a third of limited companies also have a
      ``controller`` (实际控制人).
    * Resident ID numbers are valid by GB 11643 and accepted by ``stdnum.cn.ric`` (the division code is one in
      force in the birth year), unique, stored only encrypted (AES-GCM) with a keyed blind index and a mask.

Speed
    Rows are built in plain Python from precomputed tables and written with the driver directly: SQLite
    ``executemany`` or PostgreSQL ``COPY``, :data:`CHUNK` entities with their people and relations at a time,
    :data:`TX_CHUNKS` chunks per transaction.  Primary keys are assigned here (after the current maximum), so
    relations need no round trip.  Large runs build the rows in a child interpreter while this process writes
    (the 2-core reference machine: 1,000,000 entities in about 50 s on SQLite; see bench/demo_scale.py).

Layout
    ``users`` the demo accounts; ``pools`` the word pools; ``city`` the rows (codes, names, people, relations);
    ``worker`` producing chunks here or in a child interpreter; ``writer`` the fast writes and transactions;
    ``orchestration`` :func:`generate`, which also calls each domain's own ``demo.py``.  This module re-exports
    the public API (``from xinyong.demo import service as demo; demo.generate(...)``).
"""

from xinyong.demo.service.orchestration import DemoResult, generate
from xinyong.demo.service.users import DEMO_PASSWORD, DemoCredential, create_demo_users
from xinyong.demo.service.writer import CHUNK

__all__ = [
    "CHUNK",
    "DEMO_PASSWORD",
    "DemoCredential",
    "DemoResult",
    "create_demo_users",
    "generate",
]
