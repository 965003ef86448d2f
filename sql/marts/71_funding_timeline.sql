-- Cumulative committed, called and spent amounts per programme and town after each booking date;
-- town_ags null: the programme as a whole.
with records as (

    select * from raw.register_funding_records

),

daily as (

    select
        programme as programme_id,
        town as town_ags,
        date,
        sum(amount) filter (where kind = 'bewilligt') as committed,
        sum(amount) filter (where kind = 'abgerufen') as called,
        sum(amount) filter (where kind = 'ausgegeben') as spent
    from records
    group by grouping sets ((programme, town, date), (programme, date))

),

final as (

    select
        programme_id,
        town_ags,
        date,
        sum(coalesce(committed, 0)) over w as committed,
        sum(coalesce(called, 0)) over w as called,
        sum(coalesce(spent, 0)) over w as spent
    from daily
    window w as (partition by programme_id, town_ags order by date)

)

select * from final
order by programme_id, town_ags, date
