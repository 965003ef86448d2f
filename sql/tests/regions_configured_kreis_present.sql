-- When there are regions at all, the configured Kreis (XREGION_REGION) must be one of them:
-- a wrong or non-NRW key would otherwise give empty pages.
select meta.region_ags() as configured_region_ags
where exists (select 1 from marts.regions)
  and not exists (select 1 from marts.regions where ags = meta.region_ags() and level = 'kreis')
