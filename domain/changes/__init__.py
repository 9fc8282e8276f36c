"""改: change requests on orders — level rules, approval along a chain, impact preview, order revisions
and the signed change-impact report."""
